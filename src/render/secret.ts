// The service's Secret from references (values `secrets`: key → {fromEnv} | {fromFile}). Render never
// reads a secret source: the Secret carries placeholders saying where each value comes from, and the
// deploy path replaces them at the moment the manifests go to the cluster (release/secrets.ts), so
// release records keep the placeholders, never the values. (`secretData` fills the values in here
// instead; nothing in the deploy path uses it.) The name hashes the references, not the values, so
// it is the same at render and at deploy time.
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import {
  type ChartContext,
  contentHash,
  memoized,
  meta,
  reader,
  resourceName,
  SECRET_SOURCE_ANNOTATION,
} from './context.ts';
import { providerSecret } from './secret-provider.ts';

export type SecretRef = { fromEnv: string } | { fromFile: string };

/** The secret references by key, sorted; a malformed reference is a `values` error. */
export function secretRefs(ctx: ChartContext): Array<[string, SecretRef]> {
  return memoized(ctx, 'secretRefs', () => computeSecretRefs(ctx));
}

/**
 * Content hash of the references: the name suffix and the pod template's checksum/secret. Under a
 * secret provider, the provider's (secret-provider.ts).
 */
export function secretHash(ctx: ChartContext): string {
  if (ctx.secrets) return providerSecret(ctx)?.hash ?? '';
  return memoized(ctx, 'secretHash', () => contentHash(secretRefs(ctx)));
}

function computeSecretRefs(ctx: ChartContext): Array<[string, SecretRef]> {
  const m = reader(ctx).map('secrets');
  const out: Array<[string, SecretRef]> = [];
  for (const key of Object.keys(m).sort()) {
    const r = m[key];
    if (r === undefined || r === null) continue;
    const o = (typeof r === 'object' && !Array.isArray(r) ? r : {}) as Record<string, unknown>;
    // remoteRef is where the key lives for environments with externalSecrets; here it is not read.
    const extra = Object.keys(o).filter((k) => !['fromEnv', 'fromFile', 'remoteRef'].includes(k));
    if (extra.length === 0 && typeof o.fromEnv === 'string' && o.fromFile === undefined)
      out.push([key, { fromEnv: o.fromEnv }]);
    else if (extra.length === 0 && typeof o.fromFile === 'string' && o.fromEnv === undefined)
      out.push([key, { fromFile: o.fromFile }]);
    else if (extra.length === 0 && o.fromEnv === undefined && o.fromFile === undefined && o.remoteRef) {
      throw new SlipwayError(
        'values',
        `secrets.${key} has only a remoteRef, but environment ${ctx.environment} has no externalSecrets provider`,
        {
          hint:
            `Add fromEnv or fromFile for ${ctx.environment} (slipway reads it at deploy), or give the environment ` +
            'secrets: { externalSecrets: { store: … } } in slipway.yaml (docs/secrets.md).',
          data: { path: `secrets.${key}` },
        },
      );
    } else {
      throw new SlipwayError('values', `secrets.${key} must be { fromEnv: NAME } or { fromFile: PATH }`, {
        hint:
          'Secret values never go into values files; name the environment variable or file that holds it ' +
          '(and remoteRef: {key, property} for environments with externalSecrets).',
        data: { path: `secrets.${key}` },
      });
    }
  }
  return out;
}

function describeRef(r: SecretRef): string {
  return 'fromEnv' in r ? `env ${r.fromEnv}` : `file ${r.fromFile}`;
}

/** What a rendered Secret holds in place of a value: `<from env NAME>` or `<from file PATH>`. Pure. */
export function secretPlaceholder(r: SecretRef): string {
  return `<from ${describeRef(r)}>`;
}

/** The reference a placeholder stands for (the inverse of secretPlaceholder); undefined otherwise. */
export function parseSecretPlaceholder(text: unknown): SecretRef | undefined {
  const m = typeof text === 'string' ? /^<from (env|file) (.+)>$/s.exec(text) : null;
  if (!m) return undefined;
  return m[1] === 'env' ? { fromEnv: m[2]! } : { fromFile: m[2]! };
}

/**
 * The note beside printed manifests whose Secrets hold placeholders (render, diff), or undefined. Pure.
 */
export function secretsNote(objects: readonly KubeObject[]): string | undefined {
  const n = objects.filter(
    (o) => o.kind === 'Secret' && o.metadata.annotations?.[SECRET_SOURCE_ANNOTATION] !== undefined,
  ).length;
  if (n === 0) return undefined;
  return (
    `secret values are shown as their sources (<from env NAME>, <from file PATH>) in ${n} Secret${n === 1 ? '' : 's'}: ` +
    'only deploy reads them, when it applies (deploy --dry-run checks that they are there)'
  );
}

/**
 * `<service>-secrets-<hash of the references>`, or undefined when there are no secrets. Under a
 * secret provider: the ExternalSecret's target, or the SealedSecret's own name.
 */
export function secretName(ctx: ChartContext): string | undefined {
  if (ctx.secrets) return providerSecret(ctx)?.name;
  if (secretRefs(ctx).length === 0) return undefined;
  return `${resourceName(ctx, 'secrets')}-${secretHash(ctx)}`;
}

export function renderSecret(ctx: ChartContext): KubeObject[] {
  if (ctx.secrets) return []; // the provider renders its own object (secret-provider.ts)
  const refs = secretRefs(ctx);
  const name = secretName(ctx);
  if (!name) return [];
  const source = refs.map(([k, r]) => `${k}=${describeRef(r).replace(' ', ':')}`).join(',');
  const metadata = meta(ctx, name, { annotations: { [SECRET_SOURCE_ANNOTATION]: source } });
  const secretData = ctx.secretData;
  if (secretData === undefined) {
    const stringData: Record<string, string> = {};
    for (const [k, r] of refs) stringData[k] = secretPlaceholder(r);
    return [{ apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', stringData }];
  }
  const data: Record<string, string> = {};
  const missing: string[] = [];
  for (const [k, r] of refs) {
    const value = secretData[k];
    if (value === undefined) missing.push(`${k} (from ${describeRef(r)})`);
    else data[k] = Buffer.from(value, 'utf8').toString('base64');
  }
  if (missing.length > 0) {
    throw new SlipwayError('values', `secret values of ${ctx.service} were not resolved`, {
      details: missing,
      hint: 'Set the named environment variables or create the named files before deploying.',
    });
  }
  return [{ apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data }];
}
