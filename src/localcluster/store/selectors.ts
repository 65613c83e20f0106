// Label and field selectors in Kubernetes syntax, compiled once into predicates.
import type { KubeObject } from '../../shared/kube-types.ts';
import { badRequest } from './errors.ts';

export type Predicate = (obj: KubeObject) => boolean;

interface Requirement {
  key: string;
  op: 'eq' | 'ne' | 'in' | 'notin' | 'exists' | '!exists';
  values: string[];
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

function parseLabelSelector(sel: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const term of splitTerms(sel)) {
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = (m[3] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      reqs.push({ key: m[1] as string, op: m[2] as 'in' | 'notin', values });
      continue;
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (m) {
      reqs.push({ key: m[1] as string, op: m[2] === '!=' ? 'ne' : 'eq', values: [m[3] ?? ''] });
      continue;
    }
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) {
      reqs.push({ key: m[2] as string, op: m[1] ? '!exists' : 'exists', values: [] });
      continue;
    }
    throw badRequest(`unable to parse requirement: invalid label selector "${sel}"`);
  }
  return reqs;
}

function matches(req: Requirement, value: string | undefined): boolean {
  switch (req.op) {
    case 'eq':
      return value === req.values[0];
    case 'ne':
      return value !== req.values[0];
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case 'exists':
      return value !== undefined;
    case '!exists':
      return value === undefined;
  }
}

export function labelPredicate(sel: string | undefined): Predicate | undefined {
  if (sel === undefined || !sel.trim()) return undefined;
  const reqs = parseLabelSelector(sel);
  return (obj) => {
    const labels = obj.metadata.labels ?? {};
    return reqs.every((r) => matches(r, labels[r.key]));
  };
}

/** A field's value as a field selector sees it: a dotted path, scalars as strings. */
export function fieldValue(obj: KubeObject, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

export function fieldPredicate(sel: string | undefined): Predicate | undefined {
  if (sel === undefined || !sel.trim()) return undefined;
  const reqs: Array<{ path: string; neg: boolean; value: string }> = [];
  for (const term of splitTerms(sel)) {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid field selector: "${sel}"`);
    reqs.push({ path: m[1] as string, neg: m[2] === '!=', value: m[3] ?? '' });
  }
  return (obj) =>
    reqs.every((r) => {
      // Unset fields compare as the empty string, as Kubernetes field selectors do.
      const v = fieldValue(obj, r.path) ?? '';
      return r.neg ? v !== r.value : v === r.value;
    });
}

/** The exact `metadata.name=x` of a field selector, used to answer from the index. */
export function nameFromFieldSelector(sel: string | undefined): string | undefined {
  if (!sel) return undefined;
  const m = /(?:^|,)\s*metadata\.name\s*==?\s*([^,]+)/.exec(sel);
  return m ? (m[1] as string).trim() : undefined;
}

export function combine(...ps: Array<Predicate | undefined>): Predicate | undefined {
  const list = ps.filter((p): p is Predicate => p !== undefined);
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  return (o) => list.every((p) => p(o));
}
