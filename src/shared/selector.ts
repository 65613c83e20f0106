// Kubernetes label selectors, matched one way everywhere: lint's cross-object checks (which pods does
// this PodDisruptionBudget cover?), the local cluster's controllers (HPA, PDB, Service endpoints) and
// its API server's `?labelSelector=` filter. Three forms, one meaning:
//
//   metav1.LabelSelector   { matchLabels, matchExpressions }   Deployment, PDB, HPA targets, NetworkPolicy
//   a Service's selector   { app: web }                        a plain map; empty selects nothing
//   the text form          app=web,track!=canary,tier in (a,b),!legacy     list/watch queries
//
// A missing LabelSelector selects nothing and an empty one selects everything, as in Kubernetes.
import { SlipwayError } from './errors.ts';

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

export interface LabelSelectorRequirement {
  key: string;
  /** One of SELECTOR_OPERATORS; anything else matches nothing (Kubernetes refuses it on write). */
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Whether `labels` satisfy a metav1.LabelSelector; `undefined` selects nothing, `{}` everything. */
export function selectorMatches(
  sel: LabelSelector | undefined,
  labels: Record<string, string> = {},
): boolean {
  if (!sel) return false;
  const ml = sel.matchLabels;
  if (ml) for (const k in ml) if (labels[k] !== ml[k]) return false;
  for (const e of sel.matchExpressions ?? []) if (!requirementMatches(e, labels)) return false;
  return true;
}

function requirementMatches(e: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, e.key);
  const values = e.values ?? [];
  switch (e.operator) {
    case 'In':
      return has && values.includes(labels[e.key]!);
    case 'NotIn':
      return !has || !values.includes(labels[e.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/** A Service's plain selector map as a LabelSelector: an empty or missing map selects nothing. */
export function mapSelector(m: unknown): LabelSelector | undefined {
  if (!m || typeof m !== 'object' || Array.isArray(m) || Object.keys(m).length === 0) return undefined;
  return { matchLabels: m as Record<string, string> };
}

/** Whether a Service-style selector (plain map) selects `labels`; an empty or missing map selects nothing. */
export function mapSelects(
  m: Record<string, string> | undefined,
  labels: Record<string, string> = {},
): boolean {
  return selectorMatches(mapSelector(m), labels);
}

/** Splits on commas that are not inside parentheses (`a in (x,y),b` is two terms); field selectors too. */
export function splitSelectorTerms(s: string): string[] {
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

/**
 * The text form (`app=web,track!=canary,tier in (a,b),release,!legacy`) as a LabelSelector with the same
 * meaning: `a=b` and `a==b` are `In [b]`, `a!=b` is `NotIn [b]` (true when the label is missing, as in
 * Kubernetes), `a` is `Exists`, `!a` is `DoesNotExist`. Blank text is the empty selector (everything).
 */
export function parseSelector(text: string): LabelSelector {
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const term of splitSelectorTerms(text)) {
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      matchExpressions.push({ key: m[1]!, operator: m[2] === 'in' ? 'In' : 'NotIn', values });
      continue;
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (m) {
      matchExpressions.push({ key: m[1]!, operator: m[2] === '!=' ? 'NotIn' : 'In', values: [m[3]!] });
      continue;
    }
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) {
      matchExpressions.push({ key: m[2]!, operator: m[1] ? 'DoesNotExist' : 'Exists' });
      continue;
    }
    // The wording of the Kubernetes API server, which the local cluster answers with.
    throw new SlipwayError('usage', `unable to parse requirement: invalid label selector "${text}"`, {
      hint: 'Write terms like app=web, track!=canary, tier in (a,b), release or !legacy, separated by commas.',
    });
  }
  return matchExpressions.length ? { matchExpressions } : {};
}
