// The service's secrets when its environment names a provider (config/secrets-schema.ts): an External
// Secrets Operator ExternalSecret built from the values `secrets.<KEY>.remoteRef`, or the service's
// SealedSecret manifest from the platform repository, passed through after checking it. Either way the
// Deployment keeps referencing one Secret by name (envFrom secretRef): the ExternalSecret's target is
// the name the chart would give the Secret, and a SealedSecret's Secret takes the SealedSecret's own
// name, which must not change (the controller binds the encryption to name and namespace). Pure.
import { locationOf } from '../config/yaml-source.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import {
  type ChartContext,
  contentHash,
  memoized,
  meta,
  reader,
  resourceName,
  sortedRecord,
} from './context.ts';

export const EXTERNAL_SECRET_API_VERSION = 'external-secrets.io/v1beta1';
export const SEALED_SECRET_API_VERSION = 'bitnami.com/v1alpha1';

export interface RemoteRef {
  key: string;
  property?: string;
  version?: string;
}

type Json = Record<string, unknown>;

function isMap(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The secrets keys of the merged values that are set, sorted. */
function secretKeys(ctx: ChartContext): string[] {
  const m = reader(ctx).map('secrets');
  return Object.keys(m)
    .filter((k) => m[k] !== undefined && m[k] !== null)
    .sort();
}

/** Each key's remoteRef (ESO environments); a key without one is a `values` error. */
export function remoteRefs(ctx: ChartContext): Array<[string, RemoteRef]> {
  return memoized(ctx, 'remoteRefs', () => {
    const m = reader(ctx).map('secrets');
    const out: Array<[string, RemoteRef]> = [];
    const missing: string[] = [];
    for (const key of secretKeys(ctx)) {
      const r = isMap(m[key]) ? (m[key] as Json).remoteRef : undefined;
      if (!isMap(r) || typeof r.key !== 'string' || r.key === '') {
        missing.push(key);
        continue;
      }
      for (const f of Object.keys(r)) {
        if (!['key', 'property', 'version'].includes(f) || (r[f] !== undefined && typeof r[f] !== 'string')) {
          throw new SlipwayError(
            'values',
            `secrets.${key}.remoteRef.${f} is not a string field of remoteRef`,
            {
              hint: 'remoteRef takes key, property and version, each a string.',
              data: { path: `secrets.${key}.remoteRef.${f}` },
            },
          );
        }
      }
      const ref: RemoteRef = { key: r.key };
      if (typeof r.property === 'string') ref.property = r.property;
      if (typeof r.version === 'string') ref.version = r.version;
      out.push([key, ref]);
    }
    if (missing.length > 0) {
      throw new SlipwayError(
        'values',
        `secrets.${missing[0]} has no remoteRef: environment ${ctx.environment} takes secrets from the External Secrets Operator`,
        {
          ...(missing.length > 1
            ? { details: missing.slice(1).map((k) => `secrets.${k} has no remoteRef`) }
            : {}),
          hint:
            'Give each key where it lives in the store, e.g. in values/<service>.<environment>.yaml: ' +
            'secrets: { DATABASE_URL: { remoteRef: { key: orders/payment, property: database-url } } }.',
          data: { path: `secrets.${missing[0]}`, environment: ctx.environment },
        },
      );
    }
    return out;
  });
}

/** What the Deployment's envFrom names under a provider, and the checksum that rolls its pods. */
export function providerSecret(ctx: ChartContext): { name: string; hash: string } | undefined {
  const s = ctx.secrets;
  if (!s) return undefined;
  return memoized(ctx, 'providerSecret', () => {
    if ('externalSecrets' in s) {
      const refs = remoteRefs(ctx);
      if (refs.length === 0) return undefined;
      const hash = contentHash({ refs, store: s.externalSecrets.store });
      return { name: `${resourceName(ctx, 'secrets')}-${hash}`, hash };
    }
    const sealed = sealedSecret(ctx);
    if (!sealed) return undefined;
    return { name: sealed.metadata.name as string, hash: contentHash((sealed.spec as Json).encryptedData) };
  });
}

export function renderExternalSecret(ctx: ChartContext): KubeObject[] {
  const s = ctx.secrets;
  if (!s || !('externalSecrets' in s)) return [];
  const target = providerSecret(ctx);
  if (!target) return [];
  const { store, refreshInterval } = s.externalSecrets;
  return [
    {
      apiVersion: EXTERNAL_SECRET_API_VERSION,
      kind: 'ExternalSecret',
      metadata: meta(ctx, target.name),
      spec: {
        refreshInterval,
        secretStoreRef: { name: store.name, kind: store.kind },
        target: { name: target.name, creationPolicy: 'Owner' },
        data: remoteRefs(ctx).map(([secretKey, remoteRef]) => ({ secretKey, remoteRef })),
      },
    },
  ];
}

function sealedError(
  ctx: ChartContext,
  message: string,
  path: (string | number)[],
  hint: string,
): SlipwayError {
  const s = ctx.secrets;
  const file = s && 'sealedSecrets' in s ? s.sealedSecrets.file : undefined;
  return new SlipwayError('config', `${ctx.service}: ${message}`, {
    hint,
    ...(file ? { location: locationOf(file, path) } : {}),
  });
}

/** The service's SealedSecret, checked and placed in the environment's namespace; undefined without one. */
export function sealedSecret(ctx: ChartContext): KubeObject | undefined {
  const s = ctx.secrets;
  if (!s || !('sealedSecrets' in s)) return undefined;
  return memoized(ctx, 'sealedSecret', () => {
    const file = s.sealedSecrets.file;
    const keys = secretKeys(ctx);
    if (!file) {
      if (keys.length === 0) return undefined;
      throw new SlipwayError(
        'values',
        `${ctx.service} has secrets (${keys.join(', ')}) but ${s.sealedSecrets.directory}/${ctx.service}.yaml does not exist`,
        {
          hint: `Environment ${ctx.environment} takes secrets from SealedSecrets: seal them with kubeseal into that file.`,
          data: { path: 'secrets', environment: ctx.environment },
        },
      );
    }
    const o = file.value;
    if (!isMap(o) || o.apiVersion !== SEALED_SECRET_API_VERSION || o.kind !== 'SealedSecret') {
      throw sealedError(
        ctx,
        'the file must hold one SealedSecret',
        ['kind'],
        `Start it with apiVersion: ${SEALED_SECRET_API_VERSION} and kind: SealedSecret (kubeseal --format yaml writes this).`,
      );
    }
    const metadata = isMap(o.metadata) ? o.metadata : {};
    if (typeof metadata.name !== 'string' || metadata.name === '') {
      throw sealedError(
        ctx,
        'the SealedSecret has no metadata.name',
        ['metadata'],
        'Keep the name it was sealed with.',
      );
    }
    const scope = isMap(metadata.annotations) ? metadata.annotations : {};
    // Only cluster-wide sealing may move to another namespace; namespace-wide still binds the namespace.
    const wide = scope['sealedsecrets.bitnami.com/cluster-wide'] === 'true';
    if (typeof metadata.namespace === 'string' && metadata.namespace !== ctx.namespace && !wide) {
      throw sealedError(
        ctx,
        `the SealedSecret is sealed for namespace ${metadata.namespace}, but ${ctx.environment} deploys to ${ctx.namespace}`,
        ['metadata', 'namespace'],
        `The controller binds the encryption to the namespace: re-seal it with kubeseal --namespace ${ctx.namespace}.`,
      );
    }
    const spec = isMap(o.spec) ? o.spec : {};
    const encrypted = isMap(spec.encryptedData) ? spec.encryptedData : undefined;
    if (!encrypted) {
      throw sealedError(
        ctx,
        'the SealedSecret has no spec.encryptedData',
        ['spec'],
        'Seal the values with kubeseal.',
      );
    }
    const missing = keys.filter((k) => encrypted[k] === undefined);
    if (missing.length > 0) {
      throw sealedError(
        ctx,
        `secrets.${missing[0]} is not in the SealedSecret's encryptedData${missing.length > 1 ? ` (nor ${missing.slice(1).join(', ')})` : ''}`,
        ['spec', 'encryptedData'],
        'Seal the missing keys into the file (kubeseal --merge-into), or remove them from values secrets.',
      );
    }
    const own = meta(ctx, metadata.name);
    const labels = sortedRecord({
      ...(isMap(metadata.labels) ? (metadata.labels as Record<string, string>) : {}),
      ...(own.labels as Record<string, string>),
    });
    return {
      ...o,
      apiVersion: SEALED_SECRET_API_VERSION,
      kind: 'SealedSecret',
      metadata: { ...metadata, namespace: ctx.namespace, labels },
      spec,
    } as KubeObject;
  });
}

export function renderSealedSecret(ctx: ChartContext): KubeObject[] {
  const o = sealedSecret(ctx);
  return o ? [structuredClone(o)] : [];
}
