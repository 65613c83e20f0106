// The tighten-only rule (document 000: "per-service files may only tighten, not loosen, these
// settings"): the security settings established by the base layer (falling back to the chart's
// defaults) may be made stricter by later layers — service, environment, service.environment, desired
// state, flags — but never looser. Deleting an established setting with null counts as loosening.
// Pure: works on the ordered ValuesLayer[] of config/values.ts.
import type { ValuesLayer } from '../config/values.ts';
import { SlipwayError } from '../shared/errors.ts';

type Json = Record<string, unknown>;

function isMap(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(v: unknown, segs: readonly string[]): unknown {
  let cur = v;
  for (const s of segs) {
    if (!isMap(cur)) return undefined;
    cur = cur[s];
  }
  return cur;
}

/** Why a value loosens the established one, or undefined when it does not. */
type Rule = (value: unknown, established: unknown) => string | undefined;

const mustStayTrue: Rule = (v, base) =>
  base === true && v !== true ? `${JSON.stringify(v)} (established: true)` : undefined;
const mustNotBecomeTrue: Rule = (v, base) =>
  v === true && base !== true ? `true (established: ${JSON.stringify(base ?? false)})` : undefined;

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => String(x).toUpperCase()) : [];
}

const CONTEXT_RULES: Record<string, Rule> = {
  runAsNonRoot: mustStayTrue,
  runAsUser: (v, base) =>
    Number(v) === 0 && v !== null && v !== '' && Number(base) !== 0
      ? `0 (root; established: ${JSON.stringify(base ?? 'unset')})`
      : undefined,
  allowPrivilegeEscalation: mustNotBecomeTrue,
  readOnlyRootFilesystem: mustStayTrue,
  privileged: mustNotBecomeTrue,
  'capabilities.add': (v, base) => {
    const added = strings(v).filter((c) => !strings(base).includes(c));
    return added.length > 0 ? `adds ${added.join(', ')}` : undefined;
  },
  'capabilities.drop': (v, base) => {
    const now = strings(v);
    if (now.includes('ALL')) return undefined;
    const lost = strings(base).filter((c) => !now.includes(c));
    return lost.length > 0 ? `no longer drops ${lost.join(', ')}` : undefined;
  },
  'seccompProfile.type': (v, base) =>
    v === 'Unconfined' && base !== 'Unconfined'
      ? `Unconfined (established: ${JSON.stringify(base ?? 'unset')})`
      : undefined,
};

/** Every guarded key (dotted) with its rule. */
export const GUARDED_KEYS: ReadonlyArray<[string, Rule]> = [
  ...['podSecurityContext', 'securityContext'].flatMap((root) =>
    Object.entries(CONTEXT_RULES).map(([k, r]) => [`${root}.${k}`, r] as [string, Rule]),
  ),
  ['hostNetwork', mustNotBecomeTrue],
  ['hostPID', mustNotBecomeTrue],
  ['hostIPC', mustNotBecomeTrue],
];

const LATER_KINDS = new Set(['service', 'environment', 'service.environment', 'desired', 'flag']);

/** Deep merge of maps (later wins, null deletes): enough to fold the chart and base layers. */
function merge(a: unknown, b: unknown): unknown {
  if (!isMap(a) || !isMap(b)) return b === null ? undefined : b;
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === null) delete out[k];
    else out[k] = merge(a[k], v);
  }
  return out;
}

// The chart and base layers are the same objects for every service of a platform: fold them once.
const establishedCache = new WeakMap<object, WeakMap<object, unknown>>();
const NO_BASE = {};

function establishedBy(layers: readonly ValuesLayer[]): unknown {
  const chart = layers.find((l) => l.kind === 'chart')?.values ?? NO_BASE;
  const base = layers.find((l) => l.kind === 'base')?.values ?? NO_BASE;
  let byBase = establishedCache.get(chart);
  if (!byBase) {
    byBase = new WeakMap();
    establishedCache.set(chart, byBase);
  }
  if (byBase.has(base)) return byBase.get(base);
  let established: unknown = {};
  for (const l of layers)
    if (l.kind === 'chart' || l.kind === 'base') established = merge(established, l.values);
  byBase.set(base, established);
  return established;
}

/** One SlipwayError('policy') per loosening, in layer order, naming the layer, file, line and key. */
export function checkTightenOnly(layers: readonly ValuesLayer[]): SlipwayError[] {
  const established = establishedBy(layers);
  const errors: SlipwayError[] = [];
  for (const layer of layers) {
    if (!LATER_KINDS.has(layer.kind)) continue;
    const reported = new Set<string>();
    for (const [key, rule] of GUARDED_KEYS) {
      const segs = key.split('.');
      const base = at(established, segs);
      // Walk the layer along the key: a null (or a non-map) on the way deletes the established setting.
      let cur: unknown = layer.values;
      for (let i = 0; i < segs.length; i++) {
        if (!isMap(cur) || !Object.hasOwn(cur, segs[i]!)) break;
        const v = cur[segs[i]!];
        const prefix = segs.slice(0, i + 1);
        const last = i === segs.length - 1;
        if (v === null || (!last && !isMap(v))) {
          if (base === undefined || base === null) break;
          const shown = prefix.join('.');
          if (!reported.has(shown)) {
            reported.add(shown);
            errors.push(
              loosening(
                layer,
                prefix,
                `deletes ${shown}${shown === key ? '' : ` (and with it ${key})`}, which the base values set`,
              ),
            );
          }
          break;
        }
        if (last) {
          const why = rule(v, base);
          if (why)
            errors.push(
              loosening(
                layer,
                prefix,
                `sets ${key} to ${why.startsWith('adds') || why.startsWith('no longer') ? `a list that ${why}` : why}`,
              ),
            );
        }
        cur = v;
      }
    }
  }
  return errors;
}

function loosening(layer: ValuesLayer, segs: string[], what: string): SlipwayError {
  const key = segs.join('.');
  const pos = layer.locate?.(segs);
  const location: { file: string; line?: number; column?: number; path: string } = {
    file: layer.source,
    path: key,
  };
  if (pos) {
    location.line = pos.line;
    location.column = pos.column;
  }
  return new SlipwayError('policy', `the ${layer.kind} layer loosens a security setting: it ${what}`, {
    location,
    hint: 'Security settings may only be tightened after the base values (values.yaml). Remove this override, or change values.yaml for every service.',
    data: { check: 'SLW-SEC-015', layer: layer.kind, source: layer.source, key },
  });
}
