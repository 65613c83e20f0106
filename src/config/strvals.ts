// The `--set` family of flags, parsed with Helm's strvals grammar (helm pkg/strvals): the same type
// inference, escapes, list indices, limits and the same inputs rejected, so that a command line that
// works with `helm --set` means the same thing to slipway. Written by hand: no library implements it.
import { SlipwayError } from '../shared/errors.ts';
import { jsonValueEnd } from './json-scan.ts';
import { MAX_NESTING_DEPTH, tooDeepMessage, tooDeepPath } from './nesting.ts';

export type StrvalsMode = 'set' | 'string' | 'json' | 'literal' | 'file';

/** Highest list index accepted (Helm's MaxIndex: 64 Ki). */
export const MAX_INDEX = 65536;
/** Deepest `a.b.c` key nesting accepted (Helm's MaxNestedNameLevel). */
export const MAX_NESTED_NAME_LEVEL = 30;

const FLAG: Record<StrvalsMode, string> = {
  set: '--set',
  string: '--set-string',
  json: '--set-json',
  literal: '--set-literal',
  file: '--set-file',
};

type Json = unknown;
type Dict = Record<string, unknown>;

/** Thrown inside the parser; turned into a SlipwayError with the expression and a caret. */
class ParseFailure extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

const EOF = Symbol('eof');
type Outcome = typeof EOF | undefined;

/**
 * Parses one flag value such as `image.tag=abc,replicaCount=3` into a values map. With `into`, the
 * result is `into` with the assignments applied, as Helm's ParseInto does; `into` itself is not
 * changed. `readFile` is required for mode `file` and returns a file's content.
 */
export function parseSet(
  expr: string,
  mode: StrvalsMode,
  into?: Record<string, unknown>,
  readFile?: (p: string) => string,
): Record<string, unknown> {
  const data: Dict = into ? (structuredClone(into) as Dict) : {};
  const parser = new Parser(expr, mode, readFile);
  try {
    parser.parse(data);
  } catch (e) {
    if (e instanceof ParseFailure) throw strvalsError(expr, mode, e.message, e.pos);
    throw e;
  }
  return data;
}

/**
 * `--set-json '{"a":{"b":1}}'`, a whole JSON object instead of key=value (Helm 4, MergeValues in
 * pkg/cli/values/options.go): merged into `into` as Helm's loader.MergeMaps merges values files,
 * maps key by key, anything else replacing, nulls kept (the chart coalesce deletes those keys).
 */
export function isJsonObjectFlag(expr: string): boolean {
  return expr.trimStart().startsWith('{');
}

export function mergeJsonObject(expr: string, into: Record<string, unknown>): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(expr);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw strvalsError(expr, 'json', `invalid JSON object: ${why}`, expr.length - expr.trimStart().length);
  }
  if (!isDict(parsed)) throw strvalsError(expr, 'json', 'expected a JSON object', 0);
  if (tooDeepPath(parsed)) throw strvalsError(expr, 'json', tooDeepMessage(), 0);
  return mergeMaps(structuredClone(into) as Dict, parsed);
}

function mergeMaps(base: Dict, overlay: Dict): Dict {
  for (const [k, v] of Object.entries(overlay)) {
    const old = Object.hasOwn(base, k) ? base[k] : undefined;
    set(base, k, isDict(v) && isDict(old) ? mergeMaps(old, v) : v);
  }
  return base;
}

function strvalsError(expr: string, mode: StrvalsMode, reason: string, pos: number): SlipwayError {
  const flag = FLAG[mode];
  const at = Math.max(0, Math.min(pos, expr.length));
  return new SlipwayError(
    'values',
    `invalid ${flag} "${expr}": ${reason}\n    ${expr}\n    ${' '.repeat(at)}^`,
    {
      hint:
        mode === 'literal'
          ? `${flag} takes key=value; the key may use a.b nesting and [n] list indices, the value is taken verbatim.`
          : `${flag} takes key=value pairs separated by commas, e.g. ${flag} image.tag=1.2.3,replicaCount=2; ` +
            'escape "," "=" and "." with a backslash, write lists as {a,b} or key[0]=a.',
      data: { flag, expression: expr, position: at },
    },
  );
}

class Parser {
  private pos = 0;
  /** Where the digits of the last `[n]` started: errors about the index point there. */
  private indexAt = 0;
  /** Maps and lists the current assignment has entered, the top-level map included. */
  private depth = 1;

  constructor(
    private readonly s: string,
    private readonly mode: StrvalsMode,
    private readonly readFile: ((p: string) => string) | undefined,
  ) {}

  parse(data: Dict): void {
    // one assignment per round
    for (;;) {
      this.depth = 1;
      if (this.key(data, 0) === EOF) return;
    }
  }

  /** One level deeper into a map or list (at `at`); beyond MAX_NESTING_DEPTH the input is refused. */
  private deeper(at: number): void {
    if (++this.depth > MAX_NESTING_DEPTH) throw new ParseFailure(tooDeepMessage(), at);
  }

  private read(): string | undefined {
    if (this.pos >= this.s.length) return undefined;
    const cp = this.s.codePointAt(this.pos)!;
    const ch = String.fromCodePoint(cp);
    this.pos += ch.length;
    return ch;
  }

  private unread(ch: string): void {
    this.pos -= ch.length;
  }

  /** Reads up to (and consumes) the first stop character; a backslash takes the next one literally. */
  private until(stop: string, escapes = this.mode !== 'literal'): { text: string; last: string | undefined } {
    let text = '';
    for (;;) {
      const ch = this.read();
      if (ch === undefined) return { text, last: undefined };
      if (stop.includes(ch)) return { text, last: ch };
      if (ch === '\\' && escapes) {
        const next = this.read();
        if (next === undefined) return { text, last: undefined };
        text += next;
      } else {
        text += ch;
      }
    }
  }

  private key(data: Dict, level: number): Outcome {
    const start = this.pos;
    const { text: k, last } = this.until(this.mode === 'literal' ? '=[.' : '=[,.');
    if (last === undefined) {
      if (k.length === 0) return EOF;
      throw new ParseFailure(`key "${k}" has no value`, start);
    }
    if (last === '[') {
      this.deeper(this.pos - 1);
      const index = this.keyIndex();
      const existing = Object.hasOwn(data, k) ? data[k] : undefined;
      if (existing !== undefined && !Array.isArray(existing)) {
        throw new ParseFailure(`key "${k}" is not a list, cannot set an index in it`, start);
      }
      const list = (existing as unknown[] | undefined) ?? [];
      const { list: result, outcome } = this.listItem(list, index, level);
      set(data, k, result);
      return outcome;
    }
    if (last === '=') {
      const { value, atEnd } = this.value();
      set(data, k, value);
      // As in Helm, only `key=` at the very end reports the end here; a nested `a.=` then passes.
      return atEnd ? EOF : undefined;
    }
    if (last === ',') {
      if (k.length === 0) throw new ParseFailure('empty key: nothing before ","', start);
      throw new ParseFailure(`key "${k}" has no value (cannot end with ,)`, start);
    }
    // last === '.': a nested map
    if (level + 1 > MAX_NESTED_NAME_LEVEL) {
      throw new ParseFailure(
        `value name nested level is greater than maximum supported nested level of ${MAX_NESTED_NAME_LEVEL}`,
        this.pos - 1,
      );
    }
    this.deeper(this.pos - 1);
    const existing = Object.hasOwn(data, k) ? data[k] : undefined;
    if (existing !== undefined && !isDict(existing)) {
      throw new ParseFailure(`key "${k}" is not a map, cannot set a key in it`, start);
    }
    const inner: Dict = (existing as Dict | undefined) ?? {};
    const outcome = this.key(inner, level + 1);
    if (outcome !== EOF && Object.keys(inner).length === 0) {
      throw new ParseFailure(`key map "${k}" has no value`, start);
    }
    if (Object.keys(inner).length > 0) set(data, k, inner);
    return outcome;
  }

  private keyIndex(): number {
    const start = this.pos;
    this.indexAt = start;
    const { text, last } = this.until(']');
    if (last === undefined) throw new ParseFailure('error parsing index: missing "]"', start - 1);
    if (!/^[+-]?\d+$/.test(text)) {
      throw new ParseFailure(`error parsing index: "${text}" is not an integer`, start);
    }
    const n = Number(text);
    if (n < 0) throw new ParseFailure(`negative ${text} index not allowed`, start);
    return n;
  }

  private setIndex(list: unknown[], index: number, value: unknown, at: number): unknown[] {
    if (index > MAX_INDEX) {
      throw new ParseFailure(`index of ${index} is greater than maximum supported index of ${MAX_INDEX}`, at);
    }
    while (list.length <= index) list.push(null);
    list[index] = value;
    return list;
  }

  private listItem(list: unknown[], index: number, level: number): { list: unknown[]; outcome: Outcome } {
    const at = this.indexAt;
    const start = this.pos;
    const { text, last } = this.until('[.=');
    if (text.length > 0) throw new ParseFailure(`unexpected data at end of array index: "${text}"`, start);
    if (last === undefined) return { list, outcome: EOF };
    if (last === '=') {
      return { list: this.setIndex(list, index, this.value().value, at), outcome: undefined };
    }
    if (last === '[') {
      this.deeper(this.pos - 1);
      const next = this.keyIndex();
      const existing = index < list.length ? list[index] : null;
      if (existing !== null && existing !== undefined && !Array.isArray(existing)) {
        throw new ParseFailure(`list element ${index} is not a list, cannot set an index in it`, start);
      }
      const inner = (existing as unknown[] | null | undefined) ?? [];
      const r = this.listItem(inner, next, level);
      if (r.outcome === EOF) return { list, outcome: EOF };
      return { list: this.setIndex(list, index, r.list, at), outcome: undefined };
    }
    // last === '.': a map inside the list; indices out of order start from an empty map
    this.deeper(this.pos - 1);
    const existing = index < list.length ? list[index] : undefined;
    const inner: Dict = isDict(existing) ? existing : {};
    const outcome = this.key(inner, level);
    if (outcome === EOF) return { list, outcome: EOF };
    return { list: this.setIndex(list, index, inner, at), outcome: undefined };
  }

  /**
   * The value after `=`, by mode; consumes the comma that ends it. `atEnd`: nothing followed the `=`
   * (set, string and file modes), which Helm reports as the end of input.
   */
  private value(): { value: unknown; atEnd: boolean } {
    if (this.mode === 'literal') {
      const v = this.s.slice(this.pos);
      this.pos = this.s.length;
      return { value: v, atEnd: false };
    }
    if (this.mode === 'json') return { value: this.jsonValue(), atEnd: false };
    const first = this.read();
    if (first === undefined) return { value: '', atEnd: true };
    if (first !== '{') {
      this.unread(first);
      const start = this.pos;
      return { value: this.scalar(this.until(',').text, start), atEnd: false };
    }
    return { value: this.list(), atEnd: false };
  }

  /** `{a,b,c}` after the opening brace; consumes one comma after the closing one. */
  private list(): unknown[] {
    const list: unknown[] = [];
    for (;;) {
      const start = this.pos;
      const { text, last } = this.until(',}');
      if (last === undefined) throw new ParseFailure("list must terminate with '}'", this.pos);
      list.push(this.scalar(text, start));
      if (last === '}') {
        const after = this.read();
        if (after !== undefined && after !== ',') this.unread(after);
        return list;
      }
    }
  }

  private scalar(text: string, at: number): unknown {
    if (this.mode === 'string') return text;
    if (this.mode === 'file') {
      if (!this.readFile) throw new ParseFailure('reading files is not available here', at);
      try {
        return this.readFile(text);
      } catch (e) {
        if (e instanceof SlipwayError) throw e; // already names the flag, the file and what to do
        const why = e instanceof Error ? e.message : String(e);
        throw new ParseFailure(`cannot read file "${text}": ${why}`, at);
      }
    }
    return typedValue(text);
  }

  /** One JSON value from the current position (empty means null), then blanks and one comma. */
  private jsonValue(): Json {
    if (this.skipBlanksAndComma()) return null;
    const start = this.pos;
    const end = jsonValueEnd(this.s, start);
    let value: Json;
    try {
      if (end === undefined) throw new Error('unexpected end of JSON input');
      value = JSON.parse(this.s.slice(start, end));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new ParseFailure(`invalid JSON value: ${why}`, start);
    }
    if (tooDeepPath(value, MAX_NESTING_DEPTH - this.depth)) throw new ParseFailure(tooDeepMessage(), start);
    this.pos = end;
    this.skipBlanksAndComma();
    return value;
  }

  /** Skips white space; true (and consumed) at a comma or the end, false before anything else. */
  private skipBlanksAndComma(): boolean {
    for (;;) {
      const ch = this.read();
      if (ch === undefined || ch === ',') return true;
      if (!/\s/u.test(ch)) {
        this.unread(ch);
        return false;
      }
    }
  }
}

/**
 * Helm's type inference for --set: true/false/null in any case, 0, and base-10 integers that do not
 * start with 0 become typed; everything else (1e3, 0x10, 00009, 1.5) stays a string. Integers beyond
 * JavaScript's exact range stay strings so that no digit is lost.
 */
export function typedValue(text: string): unknown {
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (text === '0') return 0;
  if (text.length > 0 && text[0] !== '0' && /^[+-]?\d+$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
  }
  return text;
}

function set(data: Dict, key: string, value: unknown): void {
  // Helm ignores assignments to an empty key (`.a=1`, `name1.=x` then fails as "has no value").
  if (key.length === 0) return;
  // `__proto__` from a command line is a plain key, never the prototype.
  Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
