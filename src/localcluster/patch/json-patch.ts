// RFC 6902 JSON Patch and RFC 7386 JSON Merge Patch.
import { ApiStatusError } from '../store/errors.ts';
import { deepEqual, isObject, type Json } from './merge-keys.ts';

function fail(message: string): ApiStatusError {
  return new ApiStatusError(422, 'Invalid', message);
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw fail(`invalid JSON pointer "${p}"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, path: string[], op: string): { parent: Json; last: string } {
  let cur: Json = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)] as Json;
    else if (isObject(cur)) cur = cur[seg] as Json;
    else cur = undefined as unknown as Json;
    if (cur === undefined)
      throw fail(`${op} operation does not apply: doc is missing path: "/${path.join('/')}"`);
  }
  return { parent: cur, last: path[path.length - 1] as string };
}

function getAt(doc: Json, path: string[], op: string): Json {
  if (path.length === 0) return doc;
  const { parent, last } = parentOf(doc, path, op);
  const v = Array.isArray(parent) ? parent[Number(last)] : isObject(parent) ? parent[last] : undefined;
  if (v === undefined)
    throw fail(`${op} operation does not apply: doc is missing path: "/${path.join('/')}"`);
  return v;
}

function removeAt(doc: Json, path: string[], op: string): Json {
  const { parent, last } = parentOf(doc, path, op);
  const old = getAt(doc, path, op);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent)) delete parent[last];
  return old;
}

function addAt(doc: Json, path: string[], value: Json, op: string): Json {
  if (path.length === 0) return value;
  const { parent, last } = parentOf(doc, path, op);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) {
      throw fail(`${op} operation does not apply: index out of range: "/${path.join('/')}"`);
    }
    parent.splice(i, 0, value);
  } else if (isObject(parent)) parent[last] = value;
  else throw fail(`${op} operation does not apply: doc is missing path: "/${path.join('/')}"`);
  return doc;
}

export function applyJsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops))
    throw new ApiStatusError(400, 'BadRequest', 'json patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of ops) {
    if (!isObject(raw)) throw fail('invalid JSON patch operation');
    const op = String(raw.op);
    const path = parsePointer(String(raw.path ?? ''));
    switch (op) {
      case 'add':
        doc = addAt(doc, path, structuredClone(raw.value as Json), op);
        break;
      case 'remove':
        removeAt(doc, path, op);
        break;
      case 'replace':
        if (path.length === 0) doc = structuredClone(raw.value as Json);
        else {
          removeAt(doc, path, op);
          doc = addAt(doc, path, structuredClone(raw.value as Json), op);
        }
        break;
      case 'move': {
        const v = removeAt(doc, parsePointer(String(raw.from ?? '')), op);
        doc = addAt(doc, path, v, op);
        break;
      }
      case 'copy': {
        const v = getAt(doc, parsePointer(String(raw.from ?? '')), op);
        doc = addAt(doc, path, structuredClone(v), op);
        break;
      }
      case 'test':
        if (!deepEqual(getAt(doc, path, op), raw.value)) {
          throw fail(`testing value /${path.join('/')} failed: test failed`);
        }
        break;
      default:
        throw fail(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}
