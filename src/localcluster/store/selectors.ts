// Label and field selectors in Kubernetes syntax, compiled once into predicates.
import type { KubeObject } from '../../shared/kube-types.ts';
import {
  type LabelSelector,
  parseSelector,
  selectorMatches,
  splitSelectorTerms,
} from '../../shared/selector.ts';
import { badRequest } from './errors.ts';

export type Predicate = (obj: KubeObject) => boolean;

export function labelPredicate(sel: string | undefined): Predicate | undefined {
  if (sel === undefined || !sel.trim()) return undefined;
  let selector: LabelSelector;
  try {
    selector = parseSelector(sel);
  } catch (e) {
    // The API server answers a malformed selector with 400 Bad Request, in Kubernetes' own words.
    throw badRequest((e as Error).message);
  }
  return (obj) => selectorMatches(selector, obj.metadata.labels ?? {});
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
  for (const term of splitSelectorTerms(sel)) {
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
