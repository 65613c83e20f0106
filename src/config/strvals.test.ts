// Conformance table for the --set family: every case in REFERENCE.md "Helm values" and the cases of
// Helm's own pkg/strvals tests (parser_test.go, literal_parser_test.go), same inputs, same outcomes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SlipwayError } from '../shared/errors.ts';
import { MAX_NESTED_NAME_LEVEL, parseSet, type StrvalsMode, typedValue } from './strvals.ts';

type Row =
  | { expr: string; mode?: StrvalsMode; into?: Record<string, unknown>; want: Record<string, unknown> }
  | { expr: string; mode?: StrvalsMode; into?: Record<string, unknown>; error: string };

const deep = (levels: number) =>
  `${Array.from({ length: levels }, (_, i) => `name${i + 1}`).join('.')}=value`;

const ROWS: Row[] = [
  // --- type inference (--set)
  { expr: 'name1=null,f=false,t=true', want: { name1: null, f: false, t: true } },
  { expr: 'a=TRUE,b=False,c=NULL,d=Null', want: { a: true, b: false, c: null, d: null } },
  { expr: 'zero_int=0', want: { zero_int: 0 } },
  { expr: 'long_int=1234567890', want: { long_int: 1234567890 } },
  { expr: 'neg=-5', want: { neg: -5 } },
  { expr: 'plus=+7', want: { plus: 7 } },
  { expr: 'leading_zeros=00009', want: { leading_zeros: '00009' } },
  { expr: 'exp=1e3', want: { exp: '1e3' } },
  { expr: 'hex=0x10', want: { hex: '0x10' } },
  { expr: 'float=1.5', want: { float: '1.5' } },
  { expr: 'under=1_000', want: { under: '1_000' } },
  { expr: 'yes=yes,on=on', want: { yes: 'yes', on: 'on' } },
  { expr: 'huge=123456789012345678901', want: { huge: '123456789012345678901' } },
  { expr: 'boolean=true', want: { boolean: true } },
  { expr: 'is_null=null', want: { is_null: null } },
  // --- --set-string keeps strings
  { expr: 'long_int_string=1234567890', mode: 'string', want: { long_int_string: '1234567890' } },
  { expr: 'boolean=true', mode: 'string', want: { boolean: 'true' } },
  { expr: 'is_null=null', mode: 'string', want: { is_null: 'null' } },
  { expr: 'zero=0', mode: 'string', want: { zero: '0' } },
  { expr: 'l={1,true}', mode: 'string', want: { l: ['1', 'true'] } },
  // --- basic grammar
  { expr: 'name1=value1', want: { name1: 'value1' } },
  { expr: 'name1=value1,name2=value2', want: { name1: 'value1', name2: 'value2' } },
  { expr: 'name1=value1,name2=value2,', want: { name1: 'value1', name2: 'value2' } },
  { expr: 'name1=value1,,,,name2=value2,', error: 'nothing before ","' },
  { expr: ',,,,', error: 'nothing before ","' },
  { expr: 'name1=,name2=value2', want: { name1: '', name2: 'value2' } },
  { expr: 'name1=', want: { name1: '' } },
  { expr: '', want: {} },
  { expr: 'name1,name2=', error: 'key "name1" has no value (cannot end with ,)' },
  { expr: 'name1,name2=value2', error: 'key "name1" has no value' },
  { expr: 'name1,name2=value2\\', error: 'key "name1" has no value' },
  { expr: 'name1,name2', error: 'key "name1" has no value' },
  { expr: 'name1', error: 'key "name1" has no value' },
  { expr: 'a=1,b=2,a=3', want: { a: 3, b: 2 } },
  // --- escapes
  { expr: 'name1=one\\,two,name2=three\\,four', want: { name1: 'one,two', name2: 'three,four' } },
  { expr: 'name1=one\\=two,name2=three\\=four', want: { name1: 'one=two', name2: 'three=four' } },
  { expr: 'name1=one=two', want: { name1: 'one=two' } },
  { expr: 'a\\.b=c', want: { 'a.b': 'c' } },
  {
    expr: 'nodeSelector.kubernetes\\.io/role=master',
    want: { nodeSelector: { 'kubernetes.io/role': 'master' } },
  },
  {
    expr: 'name1=one two three,name2=three two one',
    want: { name1: 'one two three', name2: 'three two one' },
  },
  // --- nesting
  { expr: 'outer.inner=value', want: { outer: { inner: 'value' } } },
  { expr: 'outer.middle.inner=value', want: { outer: { middle: { inner: 'value' } } } },
  { expr: 'outer.inner1=value,outer.inner2=value2', want: { outer: { inner1: 'value', inner2: 'value2' } } },
  {
    expr: 'outer.inner1=value,outer.middle.inner=value',
    want: { outer: { inner1: 'value', middle: { inner: 'value' } } },
  },
  { expr: 'name1.name2', error: 'key "name2" has no value' },
  { expr: 'name1.name2,name1.name3', error: 'key "name2" has no value' },
  { expr: 'name1.name2=', want: { name1: { name2: '' } } },
  { expr: 'name1.=name2', error: 'key map "name1" has no value' },
  { expr: 'name1.=x', error: 'key map "name1" has no value' },
  { expr: 'name1.,name2', error: 'nothing before ","' },
  { expr: deep(MAX_NESTED_NAME_LEVEL + 1), want: nested(MAX_NESTED_NAME_LEVEL + 1) },
  { expr: deep(MAX_NESTED_NAME_LEVEL + 2), error: 'maximum supported nested level of 30' },
  { expr: 'a=1,a.b=2', error: 'key "a" is not a map' },
  // --- {a,b} lists
  { expr: 'name1={value1,value2}', want: { name1: ['value1', 'value2'] } },
  {
    expr: 'name1={value1,value2},name2={value1,value2}',
    want: { name1: ['value1', 'value2'], name2: ['value1', 'value2'] },
  },
  { expr: 'name1={1021,902}', want: { name1: [1021, 902] } },
  { expr: 'name1.name2={value1,value2}', want: { name1: { name2: ['value1', 'value2'] } } },
  { expr: 'name1={1021,902', error: "list must terminate with '}'" },
  { expr: 'name1={a\\,b,c}', want: { name1: ['a,b', 'c'] } },
  // --- list indices
  { expr: 'list[0]=foo', want: { list: ['foo'] } },
  { expr: 'list[0].foo=bar', want: { list: [{ foo: 'bar' }] } },
  { expr: 'list[0].foo=bar,list[0].hello=world', want: { list: [{ foo: 'bar', hello: 'world' }] } },
  { expr: 'list[0].foo=bar,list[-30].hello=world', error: 'negative -30 index not allowed' },
  { expr: 'list[0]=foo,list[1]=bar', want: { list: ['foo', 'bar'] } },
  { expr: 'list[0]=foo,list[1]=bar,', want: { list: ['foo', 'bar'] } },
  { expr: 'list[0]=foo,list[3]=bar', want: { list: ['foo', null, null, 'bar'] } },
  { expr: 'list[0]=foo,list[-20]=bar', error: 'negative -20 index not allowed' },
  { expr: 'list[65536]=x', want: { list: [...Array.from({ length: 65536 }, () => null), 'x'] } },
  { expr: 'list[65537]=x', error: 'greater than maximum supported index of 65536' },
  { expr: 'list[x]=1', error: 'is not an integer' },
  { expr: 'list[1=1', error: 'missing "]"' },
  { expr: 'illegal[0]name.foo=bar', error: 'unexpected data at end of array index: "name"' },
  { expr: 'noval[0]', want: { noval: [] } },
  { expr: 'noval[0]=', want: { noval: [''] } },
  { expr: 'nested[0][0]=1', want: { nested: [[1]] } },
  { expr: 'nested[1][1]=1', want: { nested: [null, [null, 1]] } },
  {
    expr: 'name1.name2[0].foo=bar,name1.name2[1].foo=bar',
    want: { name1: { name2: [{ foo: 'bar' }, { foo: 'bar' }] } },
  },
  {
    expr: 'name1.name2[1].foo=bar,name1.name2[0].foo=bar',
    want: { name1: { name2: [{ foo: 'bar' }, { foo: 'bar' }] } },
  },
  { expr: 'name1.name2[1].foo=bar', want: { name1: { name2: [null, { foo: 'bar' }] } } },
  {
    expr: 'listOuter[0][0].type=listValue,listOuter[0][0].status=alive',
    want: { listOuter: [[{ type: 'listValue', status: 'alive' }]] },
  },
  { expr: 'a=1,a[0]=2', error: 'key "a" is not a list' },
  { expr: ']={}].', error: 'key "]" is not a map' },
  // --- parsing into existing values (Helm's ParseInto)
  {
    expr: 'outer.inner1=value1,outer.inner3=value3,outer.inner4=4',
    into: { outer: { inner1: 'overwrite', inner2: 'value2' } },
    want: { outer: { inner1: 'value1', inner2: 'value2', inner3: 'value3', inner4: 4 } },
  },
  {
    expr: 'listOuter[0][0].status=alive',
    into: { listOuter: [[{ type: 'listValue' }]] },
    want: { listOuter: [[{ type: 'listValue', status: 'alive' }]] },
  },
  {
    expr: 'listOuter[1][0].status=alive',
    into: { listOuter: [[{ type: 'listValue' }]] },
    want: { listOuter: [[{ type: 'listValue' }], [{ status: 'alive' }]] },
  },
  {
    expr: 'listOuter[0][0][1].status=alive',
    into: { listOuter: [[[{ exited: 'old' }]], null] },
    want: { listOuter: [[[{ exited: 'old' }, { status: 'alive' }]], null] },
  },
  {
    expr: 'outer.inner1=1,outer.inner3=3',
    mode: 'string',
    into: { outer: { inner1: 'overwrite', inner2: 'value2' } },
    want: { outer: { inner1: '1', inner2: 'value2', inner3: '3' } },
  },
  // --- --set-json
  {
    expr: 'outer.inner1="1",outer.inner3=3,outer.inner4=true,outer.inner5="true"',
    mode: 'json',
    into: { outer: { inner1: 'overwrite', inner2: 'value2' } },
    want: { outer: { inner1: '1', inner2: 'value2', inner3: 3, inner4: true, inner5: 'true' } },
  },
  {
    expr: 'outer.inner1={"a":"1","b":2,"c":[1,2,3]},outer.inner3=["new value 1","new value 2"],outer.inner5=[{"A":"1","B":2}]',
    mode: 'json',
    into: { outer: { inner1: { x: 'overwrite' }, inner2: 'value2', inner3: ['overwrite'] } },
    want: {
      outer: {
        inner1: { a: '1', b: 2, c: [1, 2, 3] },
        inner2: 'value2',
        inner3: ['new value 1', 'new value 2'],
        inner5: [{ A: '1', B: 2 }],
      },
    },
  },
  {
    expr: 'outer.inner1=,outer.inner3={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner3.cc[1]=null',
    mode: 'json',
    into: { outer: { inner1: { x: 'overwrite' }, inner2: 'value2' } },
    want: { outer: { inner1: null, inner2: 'value2', inner3: { aa: '1', bb: 2, cc: [1, null, 3] } } },
  },
  { expr: 'a= , b=2', mode: 'json', want: { a: null, ' b': 2 } },
  { expr: 'a=,b=2', mode: 'json', want: { a: null, b: 2 } },
  { expr: 'a={"x": "y, z"},b="q,r"', mode: 'json', want: { a: { x: 'y, z' }, b: 'q,r' } },
  { expr: 'a={"a":1,"b":[1,2]}]', mode: 'json', error: 'key "]" has no value' },
  { expr: 'a={"a":1', mode: 'json', error: 'invalid JSON value' },
  { expr: 'a=nope', mode: 'json', error: 'invalid JSON value' },
  { expr: 'list[1]={"k":"v"}', mode: 'json', want: { list: [null, { k: 'v' }] } },
  // --- --set-literal
  { expr: 'name', mode: 'literal', error: 'key "name" has no value' },
  { expr: 'name=', mode: 'literal', want: { name: '' } },
  { expr: 'boolean=true', mode: 'literal', want: { boolean: 'true' } },
  { expr: 'zero=0', mode: 'literal', want: { zero: '0' } },
  { expr: 'name1=null,name2=value2', mode: 'literal', want: { name1: 'null,name2=value2' } },
  { expr: 'name1=value,,,tail', mode: 'literal', want: { name1: 'value,,,tail' } },
  { expr: 'outer.middle.inner=value', mode: 'literal', want: { outer: { middle: { inner: 'value' } } } },
  { expr: 'name1.=name2', mode: 'literal', error: 'key map "name1" has no value' },
  { expr: 'name1={value1,value2}', mode: 'literal', want: { name1: '{value1,value2}' } },
  { expr: 'list[3]=bar', mode: 'literal', want: { list: [null, null, null, 'bar'] } },
  { expr: 'list[-30].hello=world', mode: 'literal', error: 'negative -30 index not allowed' },
  { expr: 'nested[1][1]=1', mode: 'literal', want: { nested: [null, [null, '1']] } },
  { expr: ']={}].', mode: 'literal', want: { ']': '{}].' } },
  { expr: 'name=val\\\\\\val', mode: 'literal', want: { name: 'val\\\\\\val' } },
  {
    expr: 'name=em%GT)tqUDqz,i-\\h+Mbqs-!:.m\\\\rE=mkbM#rR}@{-k@',
    mode: 'literal',
    want: { name: 'em%GT)tqUDqz,i-\\h+Mbqs-!:.m\\\\rE=mkbM#rR}@{-k@' },
  },
  { expr: deep(MAX_NESTED_NAME_LEVEL + 2), mode: 'literal', error: 'maximum supported nested level' },
];

function nested(levels: number): Record<string, unknown> {
  let v: unknown = 'value';
  for (let i = levels; i >= 1; i--) v = { [`name${i}`]: v };
  return v as Record<string, unknown>;
}

describe('strvals conformance', () => {
  for (const row of ROWS) {
    const mode = row.mode ?? 'set';
    const title = `${mode} ${row.expr.length > 70 ? `${row.expr.slice(0, 70)}…` : row.expr}`;
    test(title, () => {
      const into = row.into ? structuredClone(row.into) : undefined;
      if ('want' in row) {
        assert.deepEqual(parseSet(row.expr, mode, into), row.want);
      } else {
        assert.throws(
          () => parseSet(row.expr, mode, into),
          (e: unknown) => e instanceof SlipwayError && e.type === 'values' && e.message.includes(row.error),
        );
      }
      if (row.into) assert.deepEqual(into, row.into, 'into is not changed');
    });
  }

  test('the table has at least 60 rows', () => assert.ok(ROWS.length >= 60));
});

describe('strvals errors', () => {
  test('name the flag and the expression, with a caret under the problem', () => {
    try {
      parseSet('a=1,,b=2', 'set');
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof SlipwayError);
      assert.equal(e.exitCode, 2);
      const lines = e.message.split('\n');
      assert.match(lines[0]!, /^invalid --set "a=1,,b=2": /);
      assert.equal(lines[1], '    a=1,,b=2');
      assert.equal(lines[2], `    ${' '.repeat(4)}^`);
      assert.ok(e.hint);
      assert.deepEqual(e.data, { flag: '--set', expression: 'a=1,,b=2', position: 4 });
    }
  });

  for (const [mode, flag] of [
    ['string', '--set-string'],
    ['json', '--set-json'],
    ['literal', '--set-literal'],
    ['file', '--set-file'],
  ] as const) {
    test(`name ${flag}`, () => {
      assert.throws(() => parseSet('name1.=x', mode, undefined, () => ''), new RegExp(`invalid ${flag} `));
    });
  }
});

describe('--set-file', () => {
  const files: Record<string, string> = { 'a.txt': 'line1\nline2\n', 'b.txt': 'true' };
  const readFile = (p: string) => {
    const v = files[p];
    if (v === undefined) throw new Error('ENOENT: no such file');
    return v;
  };
  test('the value is the content of the file, always a string', () => {
    assert.deepEqual(parseSet('cfg.script=a.txt,flag=b.txt', 'file', undefined, readFile), {
      cfg: { script: 'line1\nline2\n' },
      flag: 'true',
    });
  });
  test('each element of a list is read', () => {
    assert.deepEqual(parseSet('l={a.txt,b.txt}', 'file', undefined, readFile), {
      l: ['line1\nline2\n', 'true'],
    });
  });
  test('a missing file is a values error naming it', () => {
    assert.throws(
      () => parseSet('x=missing.txt', 'file', undefined, readFile),
      /cannot read file "missing.txt"/,
    );
  });
});

test('__proto__ is a plain key', () => {
  const out = parseSet('__proto__.polluted=yes,constructor.prototype.x=1', 'set');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(out), ['__proto__', 'constructor']);
});

test('typedValue', () => {
  assert.equal(typedValue('-0'), 0);
  assert.equal(typedValue('9007199254740993'), '9007199254740993');
  assert.equal(typedValue(''), '');
});

test('index errors point at the index', () => {
  assert.throws(
    () => parseSet('a=1,list[70000]=x', 'set'),
    (e: unknown) => {
      assert.ok(e instanceof SlipwayError);
      assert.equal(e.data?.position, 9);
      return true;
    },
  );
});
