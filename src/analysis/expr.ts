// The condition language of analysis metrics (`successCondition: result >= 0.99`). A small, safe
// language parsed once to an AST and interpreted here: no eval, no Function, no property access beyond
// `args.<name>`, so a slipway.yaml can never run code. Parse errors are config errors with the column;
// everything that goes wrong while evaluating (NaN, unknown names, wrong types) is an evaluation error,
// which the analysis turns into a measurement Error (REFERENCE.md).
import { closest, SlipwayError, type SourceLocation } from '../shared/errors.ts';

export type Value = number | string | boolean | number[] | undefined;

export type Expr =
  | { kind: 'literal'; value: number | string | boolean; col: number }
  | { kind: 'name'; name: string; col: number }
  | { kind: 'arg'; name: string; col: number }
  | { kind: 'index'; target: Expr; index: Expr; col: number }
  | { kind: 'call'; fn: FunctionName; args: Expr[]; col: number }
  | { kind: 'unary'; op: '!' | '-'; operand: Expr; col: number }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; col: number };

type BinaryOp = '+' | '-' | '*' | '/' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&&' | '||';

const FUNCTIONS = { len: 1, isNaN: 1, default: 2 } as const;
type FunctionName = keyof typeof FUNCTIONS;

/** What a condition can see: the measured value, the analysis args and provider extras (`canary`, `stable`). */
export interface EvalEnv {
  result: number | number[] | undefined;
  args: Readonly<Record<string, string>>;
  vars?: Readonly<Record<string, number | undefined>>;
}

// ---------- tokens ----------

type Token =
  | { t: 'num'; v: number; col: number }
  | { t: 'str'; v: string; col: number }
  | { t: 'id'; v: string; col: number }
  | { t: 'op'; v: string; col: number }
  | { t: 'end'; col: number };

const OPERATORS = [
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '!',
  '(',
  ')',
  '[',
  ']',
  ',',
  '.',
];

function tokenize(src: string, fail: (msg: string, col: number) => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const col = i + 1;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: Number(num[0]), col });
      i += num[0].length;
      if (/[A-Za-z_]/.test(src[i] ?? '')) fail(`unexpected "${src[i]}" after the number ${num[0]}`, i + 1);
      continue;
    }
    if (c === '"' || c === "'") {
      let v = '';
      let j = i + 1;
      for (; j < src.length && src[j] !== c; j++) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        v += src[j];
      }
      if (j >= src.length) fail('unterminated string', col);
      out.push({ t: 'str', v, col });
      i = j + 1;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0], col });
      i += id[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) {
      const hint = c === '=' ? ' (use == to compare)' : c === '&' || c === '|' ? ` (use ${c}${c})` : '';
      fail(`unexpected character "${c}"${hint}`, col);
    }
    out.push({ t: 'op', v: op, col });
    i += op.length;
  }
  out.push({ t: 'end', col: src.length + 1 });
  return out;
}

// ---------- parser (precedence climbing, lowest first) ----------

/**
 * Parses a condition. `where` says where it came from (e.g. the metric's key path) for the error.
 * Grammar, loosest first: `||`/`or`, `&&`/`and`, `not`, `== !=`, `< <= > >=`, `+ -`, `* /`, unary `! -`,
 * postfix `[i]`, then literals, `result`, `args.x`, names, function calls and parentheses.
 */
export function parseExpression(src: string, where?: { location?: SourceLocation; what?: string }): Expr {
  const what = where?.what ?? 'condition';
  const fail = (msg: string, col: number): never => {
    throw new SlipwayError('config', `${what} \`${src}\`: ${msg} at column ${col}`, {
      details: [src, `${' '.repeat(Math.max(0, col - 1))}^`],
      hint: 'Conditions look like `result >= 0.99`, `result[0] < 500 && len(result) > 0` or `default(result, 0) <= 0.01`.',
      ...(where?.location ? { location: where.location } : {}),
      data: { column: col },
    });
  };
  const tokens = tokenize(src, fail);
  let p = 0;
  const peek = () => tokens[p]!;
  const isOp = (v: string) => {
    const t = peek();
    return t.t === 'op' && t.v === v;
  };
  const isWord = (v: string) => {
    const t = peek();
    return t.t === 'id' && t.v === v;
  };
  const describe = (t: Token) => (t.t === 'end' ? 'the end' : `"${'v' in t ? t.v : ''}"`);
  const expect = (v: string) => {
    if (!isOp(v)) fail(`expected "${v}" but found ${describe(peek())}`, peek().col);
    p++;
  };

  const binaryLevel = (ops: Record<string, BinaryOp>, next: () => Expr) => (): Expr => {
    let left = next();
    for (;;) {
      const t = peek();
      const op = (t.t === 'op' || t.t === 'id') && Object.hasOwn(ops, t.v) ? ops[t.v] : undefined;
      if (!op) return left;
      p++;
      left = { kind: 'binary', op, left, right: next(), col: t.col };
    }
  };

  const primary = (): Expr => {
    const t = peek();
    p++;
    if (t.t === 'num' || t.t === 'str') return { kind: 'literal', value: t.v, col: t.col };
    if (t.t === 'op' && t.v === '(') {
      const e = or();
      expect(')');
      return e;
    }
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { kind: 'literal', value: t.v === 'true', col: t.col };
      if (['and', 'or', 'not'].includes(t.v)) fail(`unexpected "${t.v}"`, t.col);
      if (isOp('(')) {
        if (!Object.hasOwn(FUNCTIONS, t.v)) {
          const near = closest(t.v, Object.keys(FUNCTIONS));
          fail(
            `unknown function ${t.v}()${near ? ` (did you mean ${near}?)` : ''}; known: len, isNaN, default`,
            t.col,
          );
        }
        const fn = t.v as FunctionName;
        p++;
        const args: Expr[] = [];
        if (!isOp(')')) {
          args.push(or());
          while (isOp(',')) {
            p++;
            args.push(or());
          }
        }
        expect(')');
        if (args.length !== FUNCTIONS[fn]) {
          fail(
            `${fn}() takes ${FUNCTIONS[fn]} argument${FUNCTIONS[fn] === 1 ? '' : 's'}, got ${args.length}`,
            t.col,
          );
        }
        return { kind: 'call', fn, args, col: t.col };
      }
      if (t.v === 'args') {
        expect('.');
        const n = peek();
        if (n.t !== 'id') fail(`expected an argument name after "args." but found ${describe(n)}`, n.col);
        p++;
        return { kind: 'arg', name: (n as { v: string }).v, col: t.col };
      }
      return { kind: 'name', name: t.v, col: t.col };
    }
    return fail(`expected a value but found ${describe(t)}`, t.col);
  };

  const postfix = (): Expr => {
    let e = primary();
    while (isOp('[')) {
      const col = peek().col;
      p++;
      const index = or();
      expect(']');
      e = { kind: 'index', target: e, index, col };
    }
    if (isOp('.')) fail('only args.<name> has fields', peek().col);
    return e;
  };

  const unary = (): Expr => {
    const t = peek();
    if (t.t === 'op' && (t.v === '!' || t.v === '-')) {
      p++;
      return { kind: 'unary', op: t.v, operand: unary(), col: t.col };
    }
    return postfix();
  };

  const multiplicative = binaryLevel({ '*': '*', '/': '/' }, unary);
  const additive = binaryLevel({ '+': '+', '-': '-' }, multiplicative);
  const comparison = binaryLevel({ '<': '<', '<=': '<=', '>': '>', '>=': '>=' }, additive);
  const equality = binaryLevel({ '==': '==', '!=': '!=' }, comparison);
  const not = (): Expr => {
    const t = peek();
    if (isWord('not')) {
      p++;
      return { kind: 'unary', op: '!', operand: not(), col: t.col };
    }
    return equality();
  };
  const and = binaryLevel({ '&&': '&&', and: '&&' }, not);
  const or = binaryLevel({ '||': '||', or: '||' }, and);

  if (peek().t === 'end') fail('empty condition', 1);
  const e = or();
  if (peek().t !== 'end') fail(`unexpected ${describe(peek())}`, peek().col);
  return e;
}

// ---------- evaluation ----------

export class EvaluationError extends SlipwayError {
  constructor(message: string) {
    super('failed', message, {
      hint: 'Guard conditions against missing values with isNaN(result) or default(result, <value>).',
    });
    this.name = 'EvaluationError';
  }
}

const typeName = (v: Value) =>
  v === undefined
    ? 'no value'
    : Array.isArray(v)
      ? `a list of ${v.length}`
      : `${typeof v} ${JSON.stringify(v)}`;

/** A single number from a value: a one-element list is its element; numeric strings (args) convert. */
function toNumber(v: Value, what: string): number {
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) {
    if (v.length === 1) return v[0]!;
    throw new EvaluationError(
      v.length === 0
        ? `${what} is an empty list (no data)`
        : `${what} is a list of ${v.length} values: use ${what}[0]`,
    );
  }
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw new EvaluationError(`${what} must be a number, got ${typeName(v)}`);
}

function notNaN(n: number, what: string): number {
  if (Number.isNaN(n)) throw new EvaluationError(`${what} is NaN (no data?)`);
  return n;
}

const show = (e: Expr): string => {
  switch (e.kind) {
    case 'literal':
      return JSON.stringify(e.value);
    case 'name':
      return e.name;
    case 'arg':
      return `args.${e.name}`;
    case 'index':
      return `${show(e.target)}[${show(e.index)}]`;
    case 'call':
      return `${e.fn}(…)`;
    default:
      return 'the expression';
  }
};

function evalNode(e: Expr, env: EvalEnv): Value {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'name': {
      if (e.name === 'result') return env.result;
      if (env.vars && Object.hasOwn(env.vars, e.name)) return env.vars[e.name];
      const known = ['result', 'args.<name>', ...Object.keys(env.vars ?? {})];
      const near = closest(e.name, known);
      throw new EvaluationError(
        `unknown identifier ${e.name}${near ? ` (did you mean ${near}?)` : ''}; known: ${known.join(', ')}`,
      );
    }
    case 'arg': {
      if (Object.hasOwn(env.args, e.name)) return env.args[e.name];
      const near = closest(e.name, Object.keys(env.args));
      throw new EvaluationError(
        `unknown argument args.${e.name}${near ? ` (did you mean args.${near}?)` : ''}; known: ${Object.keys(env.args).join(', ') || 'none'}`,
      );
    }
    case 'index': {
      const target = evalNode(e.target, env);
      const i = toNumber(evalNode(e.index, env), 'an index');
      if (!Number.isInteger(i) || i < 0)
        throw new EvaluationError(`index must be a whole number ≥ 0, got ${i}`);
      if (typeof target === 'number') {
        if (i === 0) return target;
        throw new EvaluationError(`${show(e.target)} is a single number: only [0] exists, got [${i}]`);
      }
      if (!Array.isArray(target)) throw new EvaluationError(`cannot index ${typeName(target)}`);
      if (i >= target.length) {
        throw new EvaluationError(`${show(e.target)}[${i}] does not exist: it has ${target.length} value(s)`);
      }
      return target[i];
    }
    case 'call': {
      const a = evalNode(e.args[0]!, env);
      if (e.fn === 'len') {
        if (Array.isArray(a)) return a.length;
        if (typeof a === 'number') return 1;
        if (typeof a === 'string') return a.length;
        if (a === undefined) return 0;
        throw new EvaluationError(`len() needs a list, got ${typeName(a)}`);
      }
      if (e.fn === 'isNaN') {
        if (a === undefined) return true;
        if (Array.isArray(a) && a.length === 0) return true;
        return Number.isNaN(toNumber(a, show(e.args[0]!)));
      }
      const missing =
        a === undefined ||
        (typeof a === 'number' && Number.isNaN(a)) ||
        (Array.isArray(a) && (a.length === 0 || Number.isNaN(a[0]!)));
      return missing ? evalNode(e.args[1]!, env) : a;
    }
    case 'unary': {
      const v = evalNode(e.operand, env);
      if (e.op === '-') return -toNumber(v, show(e.operand));
      if (typeof v !== 'boolean')
        throw new EvaluationError(`! / not needs true or false, got ${typeName(v)}`);
      return !v;
    }
    case 'binary':
      return evalBinary(e, env);
  }
}

function evalBinary(e: Extract<Expr, { kind: 'binary' }>, env: EvalEnv): Value {
  const { op } = e;
  if (op === '&&' || op === '||') {
    const l = evalNode(e.left, env);
    if (typeof l !== 'boolean') throw new EvaluationError(`${op} needs true or false, got ${typeName(l)}`);
    if (op === '&&' ? !l : l) return l;
    const r = evalNode(e.right, env);
    if (typeof r !== 'boolean') throw new EvaluationError(`${op} needs true or false, got ${typeName(r)}`);
    return r;
  }
  const l = evalNode(e.left, env);
  const r = evalNode(e.right, env);
  if (op === '==' || op === '!=') {
    let same: boolean;
    if (typeof l === 'string' && typeof r === 'string') same = l === r;
    else if (typeof l === 'boolean' && typeof r === 'boolean') same = l === r;
    else
      same =
        notNaN(toNumber(l, show(e.left)), show(e.left)) === notNaN(toNumber(r, show(e.right)), show(e.right));
    return op === '==' ? same : !same;
  }
  if (op === '+' && typeof l === 'string' && typeof r === 'string') return l + r;
  if (typeof l === 'string' && typeof r === 'string' && op !== '-' && op !== '*' && op !== '/') {
    return op === '<' ? l < r : op === '<=' ? l <= r : op === '>' ? l > r : l >= r;
  }
  const a = toNumber(l, show(e.left));
  const b = toNumber(r, show(e.right));
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw new EvaluationError(`division by zero (${show(e.right)} is 0)`);
      return a / b;
  }
  const x = notNaN(a, show(e.left));
  const y = notNaN(b, show(e.right));
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

/** Evaluates any expression; throws EvaluationError. */
export function evaluateExpression(e: Expr, env: EvalEnv): Value {
  return evalNode(e, env);
}

/** Evaluates a condition, which must come out true or false. */
export function evaluateCondition(e: Expr, env: EvalEnv): boolean {
  const v = evalNode(e, env);
  if (typeof v !== 'boolean')
    throw new EvaluationError(`a condition must be true or false, got ${typeName(v)}`);
  return v;
}
