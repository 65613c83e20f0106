// Feature flags as data, without I/O: a flag's state in an environment (a variant and the share of
// requests given it, the rest served the flag's "off" variant), its flagd flag definition (the
// OpenFeature flagd format: state, variants, defaultVariant, targeting with `fractional` for a
// partial share, bucketed by flag key + targetingKey as flagd does by default), the ConfigMap that
// carries the environment's whole flag set, the state read back from it, and the plan of a rollout:
// the flag's `rollout.steps` (setPercent, pause, analysis) up to the requested share.
import { FLAGS_CONFIGMAP, FLAGS_FILE, flagVariants, offVariant } from '../config/flags.ts';
import type { FlagConfig, Platform } from '../config/schema.ts';
import { parseDuration } from '../shared/duration.ts';
import { closest, SlipwayError, usageError } from '../shared/errors.ts';
import { type KubeObject, LABELS } from '../shared/kube-types.ts';

export const FLAGD_SCHEMA = 'https://flagd.dev/schema/v0/flags.json';

/** `percent` of requests get `variant`, the others the flag's off variant. */
export interface FlagState {
  variant: string;
  percent: number;
}

/** One flag of a flagd flag-definition document. */
export interface FlagdFlag {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, unknown>;
  defaultVariant: string;
  targeting?: Record<string, unknown>;
  metadata?: Record<string, string | number | boolean>;
}

export interface FlagdDocument {
  $schema: string;
  flags: Record<string, FlagdFlag>;
}

export type FlagStepPlan =
  | { kind: 'set'; percent: number }
  | { kind: 'pause'; ms: number }
  | { kind: 'analysis'; templates: string[]; args: Record<string, string> };

/** The flag's configuration; an unknown name is a usage error with a suggestion. */
export function getFlag(p: Pick<Platform, 'flags'>, name: string): FlagConfig {
  const f = p.flags?.[name];
  if (f) return f;
  const known = Object.keys(p.flags ?? {});
  const near = closest(name, known);
  throw usageError(`unknown flag "${name}"${near ? ` (did you mean "${near}"?)` : ''}`, {
    hint: known.length
      ? `Flags of this platform: ${known.join(', ')}.`
      : 'Declare flags under `flags:` in slipway.yaml (docs/flags.md).',
  });
}

/** The state at rest: the off variant for every request. */
export function restState(f: FlagConfig): FlagState {
  return { variant: offVariant(f), percent: 100 };
}

/** One form per meaning: 0 % of a variant, or any share of the off variant, is the off variant. */
export function normalizeState(f: FlagConfig, s: FlagState): FlagState {
  return s.variant === offVariant(f) || s.percent === 0 ? restState(f) : s;
}

/** Refuses a variant the flag does not have or a share outside 0–100 (usage errors). */
export function checkState(name: string, f: FlagConfig, s: FlagState): FlagState {
  const variants = Object.keys(flagVariants(f));
  if (!variants.includes(s.variant)) {
    const near = closest(s.variant, variants);
    throw usageError(
      `flag ${name} has no variant "${s.variant}"${near ? ` (did you mean "${near}"?)` : ''}`,
      { hint: `Its variants: ${variants.join(', ')}.` },
    );
  }
  if (!Number.isInteger(s.percent) || s.percent < 0 || s.percent > 100)
    throw usageError(`--percent must be a whole number from 0 to 100, not ${s.percent}`);
  return normalizeState(f, s);
}

/** The flag's state as the desired state of the environment declares it, else at rest. */
export function desiredFlagState(
  f: FlagConfig,
  declared: { variant: string; percent?: number | undefined } | undefined,
): FlagState {
  if (!declared) return restState(f);
  return normalizeState(f, { variant: declared.variant, percent: declared.percent ?? 100 });
}

/** "on 10%", "on", "off". */
export function describeState(s: FlagState): string {
  return s.percent === 100 ? s.variant : `${s.variant} ${s.percent}%`;
}

export function sameState(a: FlagState | undefined, b: FlagState | undefined): boolean {
  return a !== undefined && b !== undefined && a.variant === b.variant && a.percent === b.percent;
}

/** The flagd definition of one flag in one state; the metadata reaches the application's answers. */
export function flagdFlag(f: FlagConfig, s: FlagState, revision?: number): FlagdFlag {
  const off = offVariant(f);
  const state = normalizeState(f, s);
  const metadata = {
    variant: state.variant,
    percent: state.percent,
    ...(revision !== undefined ? { revision } : {}),
  };
  if (state.percent === 100)
    return { state: 'ENABLED', variants: flagVariants(f), defaultVariant: state.variant, metadata };
  return {
    state: 'ENABLED',
    variants: flagVariants(f),
    defaultVariant: off,
    // flagd's fractional: buckets by hash(flagKey + targetingKey); without a targetingKey the
    // evaluation falls back to defaultVariant (the off variant).
    targeting: {
      fractional: [
        [state.variant, state.percent],
        [off, 100 - state.percent],
      ],
    },
    metadata,
  };
}

/** The state a flagd flag definition serves; undefined when its targeting is not one slipway wrote. */
export function stateOfFlagd(f: FlagConfig, d: FlagdFlag): FlagState | undefined {
  if (d.state === 'DISABLED') return restState(f);
  const t = d.targeting;
  if (!t || Object.keys(t).length === 0)
    return normalizeState(f, { variant: d.defaultVariant, percent: 100 });
  const buckets = (t as { fractional?: unknown }).fractional;
  if (!Array.isArray(buckets) || buckets.length !== 2) return undefined;
  const [a, b] = buckets as Array<[unknown, unknown]>;
  if (!Array.isArray(a) || !Array.isArray(b) || b[0] !== d.defaultVariant) return undefined;
  const [variant, wa] = a;
  const wb = b[1];
  if (typeof variant !== 'string' || typeof wa !== 'number' || typeof wb !== 'number' || wa + wb <= 0)
    return undefined;
  return normalizeState(f, { variant, percent: Math.round((100 * wa) / (wa + wb)) });
}

/** The environment's flag set: every flag of the platform in its given state (else at rest). */
export function flagdDocument(
  p: Pick<Platform, 'flags'>,
  states: Record<string, FlagState>,
  revisions: Record<string, number> = {},
): FlagdDocument {
  const flags: Record<string, FlagdFlag> = {};
  for (const [name, f] of Object.entries(p.flags ?? {}).sort(([a], [b]) => a.localeCompare(b)))
    flags[name] = flagdFlag(f, states[name] ?? restState(f), revisions[name]);
  return { $schema: FLAGD_SCHEMA, flags };
}

/** The ConfigMap carrying the flag set; pods mount it (render/deployment.ts). */
export function flagsConfigMap(
  o: { platform: string; environment: string; namespace: string },
  doc: FlagdDocument,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: FLAGS_CONFIGMAP,
      namespace: o.namespace,
      labels: {
        [LABELS.managedBy]: 'slipway',
        [LABELS.platform]: o.platform,
        [LABELS.environment]: o.environment,
        'slipway.dev/flags': 'true',
      },
    },
    data: { [FLAGS_FILE]: `${JSON.stringify(doc, null, 2)}\n` },
  };
}

/** The flag set a ConfigMap carries; a ConfigMap someone broke is an error naming it. */
export function readFlagsConfigMap(cm: KubeObject): FlagdDocument {
  const text = (cm.data as Record<string, string> | undefined)?.[FLAGS_FILE];
  try {
    const doc = JSON.parse(text ?? '') as FlagdDocument;
    if (!doc || typeof doc.flags !== 'object' || doc.flags === null) throw new Error('no flags');
    return doc;
  } catch (e) {
    throw new SlipwayError(
      'failed',
      `ConfigMap ${cm.metadata.namespace}/${cm.metadata.name} has no readable ${FLAGS_FILE}: ${(e as Error).message}`,
      { hint: 'Delete it (kubectl delete configmap …); the next `slipway flag set` writes it anew.' },
    );
  }
}

/**
 * The steps from `current` to `target`: the flag's rollout steps with each setPercent capped at the
 * target share; setPercent steps that would not raise the share (already there, or above the target)
 * are left out together with the pauses and analyses after them. Switching to the off variant, a
 * flag without rollout steps, or `immediate` is one step. The target share is always reached last.
 */
export function planRollout(
  f: FlagConfig,
  current: FlagState,
  target: FlagState,
  o: { immediate?: boolean } = {},
): FlagStepPlan[] {
  const steps = f.rollout?.steps ?? [];
  if (o.immediate || target.variant === offVariant(f) || steps.length === 0)
    return [{ kind: 'set', percent: target.percent }];
  let share = current.variant === target.variant ? current.percent : 0;
  const out: FlagStepPlan[] = [];
  let skipping = false;
  for (const step of steps) {
    if ('setPercent' in step) {
      const p = Math.min(step.setPercent, target.percent);
      skipping = p <= share;
      if (!skipping) {
        out.push({ kind: 'set', percent: p });
        share = p;
      }
    } else if (!skipping) {
      if ('pause' in step) out.push({ kind: 'pause', ms: parseDuration(step.pause.duration) });
      else out.push({ kind: 'analysis', templates: step.analysis.templates, args: step.analysis.args ?? {} });
    }
  }
  if (share < target.percent || out.length === 0) out.push({ kind: 'set', percent: target.percent });
  return out;
}

/** A step's name in the release record and the live view. */
export function stepName(variant: string, s: FlagStepPlan): string {
  if (s.kind === 'set') return `set ${describeState({ variant, percent: s.percent })}`;
  if (s.kind === 'pause') return `pause ${Math.round(s.ms / 100) / 10}s`;
  return `analysis ${s.templates.join(', ')}`;
}
