// YAML in and out. Reading keeps the parsed document and a line counter so that every later check
// (schema, cross-references, values layering) can point at file:line:column. Writing targets
// Kubernetes, which reads YAML 1.1: strings such as `yes`, `on`, `0755` or `12:30` must stay strings.
import { readFile, stat } from 'node:fs/promises';
import {
  Composer,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  Parser,
  type YAMLError,
} from 'yaml';
import { configError, SlipwayError, SlipwayErrorList, type SourceLocation } from '../shared/errors.ts';
import { stringifyManifest } from '../shared/yaml-emit.ts';
import { MAX_NESTING_DEPTH, tooDeepMessage, tooDeepPath, yamlTooDeepOffset } from './nesting.ts';

/** Larger files are refused before parsing: no config or values file is legitimately this big. */
export const MAX_YAML_BYTES = 4 * 1024 * 1024;
/** Enough for any hand-written anchors; a few levels of nested aliases explode far past it. */
export const MAX_ALIAS_COUNT = 100;

export interface Position {
  line: number;
  column: number;
}

export interface YamlFile {
  /** Path as given (for messages). */
  file: string;
  text: string;
  /** Plain JS value (`{}` when the file holds no document; see `empty`). */
  value: unknown;
  /** True when the file has no document at all (empty, only comments, or only `---`/`~`). */
  empty: boolean;
  /** 1-based position of the node at a key path (keys and list indices), or of the nearest existing parent. */
  locate(path: readonly (string | number)[]): Position | undefined;
  /** Position of the key itself (for unknown-key errors), falling back to locate(). */
  locateKey(path: readonly (string | number)[]): Position | undefined;
}

/** A SourceLocation for `path` in `file`: file, line, column and the dotted key path. */
export function locationOf(file: YamlFile, path: readonly (string | number)[], key = false): SourceLocation {
  const pos = key ? file.locateKey(path) : file.locate(path);
  const loc: SourceLocation = { file: file.file };
  if (pos) {
    loc.line = pos.line;
    loc.column = pos.column;
  }
  if (path.length > 0) loc.path = formatKeyPath(path);
  return loc;
}

/** `services.booking.steps[2].setWeight`; keys that are not plain identifiers are quoted: `env["a.b"]`. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

/** Parses one YAML document. Pure. Throws SlipwayError('config') with file:line:column. */
export function parseYaml(file: string, text: string): YamlFile {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_YAML_BYTES) throw tooLarge(file, bytes);

  const lineCounter = new LineCounter();
  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  // parseAllDocuments, in its two steps: yaml's Parser is iterative, its Composer recursive, so the
  // nesting depth is checked on the syntax tree between them.
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const deep = yamlTooDeepOffset(tokens);
  if (deep !== undefined) throw tooDeep(file, pos(deep));
  const list = Array.from(new Composer({ uniqueKeys: true, merge: true }).compose(tokens));
  const errors: SlipwayError[] = [];
  // After the first syntax error the parser's recovery produces follow-on errors that only confuse:
  // report the first one, plus every duplicate key (those are independent of each other).
  const yamlErrors = list.flatMap((doc) => doc.errors).sort((a, b) => a.pos[0] - b.pos[0]);
  const firstSyntax = yamlErrors.find((e) => e.code !== 'DUPLICATE_KEY');
  for (const err of yamlErrors) {
    if (err.code === 'DUPLICATE_KEY' || err === firstSyntax) errors.push(syntaxError(file, text, err, pos));
  }
  if (errors.length > 0) throw errors.length === 1 ? errors[0]! : new SlipwayErrorList(errors);

  if (list.length > 1) {
    const second = list[1]!;
    const at = pos(second.range[0]);
    throw configError(
      `the file holds ${list.length} YAML documents; exactly one is expected`,
      { file, line: at.line, column: at.column },
      { hint: 'Remove the extra "---" separator, or move each document to its own file.' },
    );
  }

  const doc = list[0];
  const contents = doc?.contents ?? null;
  const empty = contents === null || (isScalar(contents) && contents.value === null);
  let value: unknown = {};
  if (doc && !empty) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      if (e instanceof RangeError) throw tooDeep(file);
      if (e instanceof ReferenceError || (e instanceof Error && /alias/i.test(e.message))) {
        throw configError(
          `too many aliases (more than ${MAX_ALIAS_COUNT} expansions of anchors) — refusing to expand it (a YAML alias bomb?)`,
          { file },
          {
            hint: 'Write the repeated content out instead of nesting aliases (*name) inside anchors.',
            cause: e,
          },
        );
      }
      throw configError(
        `cannot read the YAML: ${e instanceof Error ? e.message : String(e)}`,
        { file },
        { cause: e },
      );
    }
  }

  // Aliases can nest an anchored collection inside another: the expanded value is checked as well.
  const deepPath = tooDeepPath(value);
  if (deepPath) throw tooDeep(file, rangeStart(doc?.getIn(deepPath, true), pos));

  /** Walks the path; returns the deepest node reached, its position and the key position of the last step. */
  const walk = (path: readonly (string | number)[]) => {
    let node: unknown = contents;
    let at = rangeStart(node, pos);
    let keyAt: Position | undefined;
    let depth = 0;
    for (const seg of path) {
      node = resolveAlias(node, doc);
      let child: unknown;
      let childKeyAt: Position | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyMatches(p.key, seg));
        if (!pair) break;
        childKeyAt = rangeStart(pair.key, pos);
        child = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg >= 0 && seg < node.items.length) {
        child = node.items[seg];
        childKeyAt = rangeStart(child, pos);
      } else {
        break;
      }
      depth++;
      keyAt = childKeyAt;
      // `key:` with no value has no value node: the key is then the best position.
      const blank = child === null || child === undefined || isEmptyNode(child);
      at = (blank ? undefined : rangeStart(child, pos)) ?? childKeyAt ?? at;
      node = child;
      if (blank) break;
    }
    return { at, keyAt, complete: depth === path.length };
  };

  const locate = (path: readonly (string | number)[]): Position | undefined =>
    doc && !empty ? walk(path).at : undefined;
  const locateKey = (path: readonly (string | number)[]): Position | undefined => {
    if (!doc || empty) return undefined;
    const w = walk(path);
    return w.complete && w.keyAt ? w.keyAt : w.at;
  };

  return {
    file,
    text,
    value,
    empty,
    locate,
    locateKey,
  };
}

/** Reads and parses a YAML file; refuses files over 4 MiB before reading them. */
export async function readYamlFile(path: string, displayPath?: string): Promise<YamlFile> {
  const shown = displayPath ?? path;
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw configError('not a regular file', { file: shown });
    size = st.size;
  } catch (e) {
    if (e instanceof SlipwayError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SlipwayError('notFound', `file not found: ${shown}`, { location: { file: shown }, cause: e });
    }
    throw configError(`cannot read the file: ${(e as Error).message}`, { file: shown }, { cause: e });
  }
  if (size > MAX_YAML_BYTES) throw tooLarge(shown, size);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw configError(`cannot read the file: ${(e as Error).message}`, { file: shown }, { cause: e });
  }
  return parseYaml(shown, text);
}

/**
 * YAML that Kubernetes (YAML 1.1) reads back exactly: strings that 1.1 would take for booleans,
 * octal numbers, sexagesimals, dates or nulls are quoted. Deterministic: key order is kept as given,
 * no anchors, no line folding. One writer for the whole product: src/shared/yaml-emit.ts.
 */
export function stringifyYamlForKubernetes(value: unknown): string {
  return stringifyManifest(value);
}

// ---------- helpers ----------

function tooLarge(file: string, bytes: number): SlipwayError {
  const mib = (bytes / 1024 / 1024).toFixed(1);
  return configError(
    `the file is too large (${mib} MiB); the limit for YAML files is ${MAX_YAML_BYTES / 1024 / 1024} MiB`,
    { file },
    { hint: 'Split it into smaller files; a configuration or values file should never be this big.' },
  );
}

function tooDeep(file: string, at?: Position): SlipwayError {
  return configError(
    tooDeepMessage(),
    { file, ...(at ? { line: at.line, column: at.column } : {}) },
    { hint: `Flatten the structure: keep maps and lists within ${MAX_NESTING_DEPTH} levels.` },
  );
}

const READABLE: Record<string, (msg: string) => string> = {
  DUPLICATE_KEY: () => 'duplicate key: the same key appears twice in one mapping',
  BAD_INDENT: (m) => `bad indentation: ${lowerFirst(m)}`,
  TAB_AS_INDENT: () => 'a tab is used for indentation; YAML allows only spaces',
  MISSING_CHAR: (m) =>
    /implicit map keys need to be followed by map values/i.test(m)
      ? 'a key without ":" after it (write "key: value", or indent this line under the one above)'
      : /closing/i.test(m)
        ? `${lowerFirst(m)} (a quoted value is not closed; it may have started on an earlier line)`
        : lowerFirst(m),
  MULTILINE_IMPLICIT_KEY: () => 'a key must be on one line (is a ":" missing, or is a value badly indented?)',
  UNEXPECTED_TOKEN: (m) => `unexpected text: ${lowerFirst(m)}`,
  BLOCK_AS_IMPLICIT_KEY: () =>
    'a key cannot start here: is the indentation wrong, or does an unquoted value contain ": "?',
  BAD_SCALAR_START: (m) => `a value cannot start this way: ${lowerFirst(m)} (quote the value)`,
};

function syntaxError(
  file: string,
  text: string,
  err: YAMLError,
  pos: (offset: number) => Position,
): SlipwayError {
  let at = pos(err.pos[0]);
  let message = READABLE[err.code]?.(err.message) ?? lowerFirst(err.message);
  // yaml reports an unclosed [ or { where it gave up (often the next key); point at the opener instead.
  const closer = /end with a ([\]}])/.exec(err.message)?.[1];
  if (closer) {
    const opener = unclosedOpener(text, err.pos[0], closer === ']' ? '[' : '{', closer);
    if (opener >= 0) {
      at = pos(opener);
      message = `this "${closer === ']' ? '[' : '{'}" is never closed with "${closer}" (or the lines after it are not indented enough)`;
    }
  }
  if (err.code === 'DUPLICATE_KEY') {
    const keyText = text.slice(err.pos[0], err.pos[1]).trim();
    if (keyText) message = `duplicate key "${keyText}": the same key appears twice in one mapping`;
  }
  const lineText = text.split(/\r?\n/)[at.line - 1];
  const details =
    lineText === undefined
      ? []
      : [
          `${at.line} | ${lineText}`,
          `${' '.repeat(String(at.line).length)} | ${' '.repeat(Math.max(0, at.column - 1))}^`,
        ];
  return configError(
    `YAML syntax error: ${message}`,
    { file, line: at.line, column: at.column },
    { details, hint: 'Fix the YAML at the position shown.', cause: err },
  );
}

/** Offset of the last `open` before `end` that no `close` after it matches (quotes ignored), or -1. */
function unclosedOpener(text: string, end: number, open: string, close: string): number {
  let depth = 0;
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) {
    if (text[i] === close) depth++;
    else if (text[i] === open) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}

function rangeStart(node: unknown, pos: (offset: number) => Position): Position | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? pos(range[0]) : undefined;
}

function isEmptyNode(node: unknown): boolean {
  const range = (node as Node).range;
  return (
    isScalar(node) && node.value === null && range !== undefined && range !== null && range[0] === range[1]
  );
}

function resolveAlias(node: unknown, doc: Document.Parsed): unknown {
  let n = node;
  for (let guard = 0; guard < 20 && isAlias(n); guard++) n = n.resolve(doc);
  return n;
}

function keyMatches(key: unknown, seg: string | number): boolean {
  if (isScalar(key)) return String(key.value) === String(seg);
  return key !== null && key !== undefined && String(key) === String(seg);
}
