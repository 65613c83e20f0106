// ExternalSecrets and SealedSecrets on the embedded local cluster. A real cluster runs the External
// Secrets Operator (which reads the store and writes the target Secret) or the Sealed Secrets
// controller (which decrypts with its private key); the local cluster runs neither. So when an
// environment with a secret provider targets it, slipway stands in for them, for development only:
// it installs the bundled CRDs, applies the ExternalSecret / SealedSecret as it would anywhere, and
// writes the Secret the operator would have written, from the environment's `localValues` file
// (default .slipway/secrets.local.yaml) or SLIPWAY_SECRET_* environment variables — and says so in
// the deploy output. The Secret is owned by its ExternalSecret / SealedSecret (ownerReference, as
// the operator sets it), carries no slipway ownership labels (prune leaves it to garbage collection)
// and is never part of a release record. A SealedSecret's ciphertext is never decrypted here: it is
// bound to a real controller's key.
//
// Local values file: the store's keys, each a value or a map of properties to values — the shape of
// ESO's "fake" provider; for a SealedSecret, its name and its encryptedData keys:
//   orders/payment:            # remoteRef.key
//     database-url: postgres://…   # remoteRef.property
//   orders/api-token: t0k3n    # remoteRef.key without property
//   payment-sealed:            # a SealedSecret's name
//     API_KEY: …
// An environment variable wins over the file: SLIPWAY_SECRET_<KEY>[_<PROPERTY>], upper-cased, every
// character other than A–Z and 0–9 turned into `_` (orders/payment + database-url →
// SLIPWAY_SECRET_ORDERS_PAYMENT_DATABASE_URL).
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { LoadedPlatform } from '../config/load.ts';
import { platformPath, secretsProviderFor } from '../config/load-secrets.ts';
import { getEnvironment } from '../config/model.ts';
import { MAX_YAML_BYTES, parseYaml } from '../config/yaml-source.ts';
import type { KubeClient } from '../kube/client.ts';
import { secretCrds } from '../policy/schemas/crd-schema.ts';
import { EXTERNAL_SECRET_API_VERSION, SEALED_SECRET_API_VERSION } from '../render/index.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';

/** Where the local cluster takes provider-managed secret values from. */
export interface LocalSecretValues {
  /** Absolute path of the local values file. */
  file: string;
  /** As configured (platform-relative), for messages. */
  shown: string;
}

/** The local stand-in of an environment: only when it has a secret provider and targets `cluster: local`. */
export function localSecretValuesFor(p: LoadedPlatform, env: string): LocalSecretValues | undefined {
  const provider = secretsProviderFor(p, env);
  if (!provider || getEnvironment(p, env).cluster !== 'local') return undefined;
  return { file: platformPath(p, provider.localValues), shown: provider.localValues };
}

/** SLIPWAY_SECRET_<KEY>[_<PROPERTY>]. Pure. */
export function localSecretEnvName(key: string, property?: string): string {
  const norm = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return `SLIPWAY_SECRET_${norm(key)}${property ? `_${norm(property)}` : ''}`;
}

/** One Secret slipway writes in the operator's place. */
export interface LocalTarget {
  /** The ExternalSecret or SealedSecret it stands for. */
  owner: KubeObject;
  name: string;
  data: Record<string, string>;
  /** Per key: `file` or the variable's name (never a value). */
  sources: Record<string, string>;
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function readValues(local: LocalSecretValues): Json | undefined {
  if (!existsSync(local.file)) return undefined;
  const st = statSync(local.file);
  if (!st.isFile() || st.size > MAX_YAML_BYTES) {
    throw new SlipwayError('values', `${local.shown} is not a regular file of at most 4 MiB`, {
      hint: 'It holds development secret values for the local cluster (docs/secrets.md).',
    });
  }
  const doc = parseYaml(local.shown, readFileSync(local.file, 'utf8')).value;
  if (!isMap(doc)) {
    throw new SlipwayError('values', `${local.shown} must be a map of store keys to values`, {
      hint: 'e.g. orders/payment: { database-url: postgres://… } (docs/secrets.md).',
    });
  }
  return doc;
}

/** What each provider object asks for: [secret key, store key, property]. */
function wanted(o: KubeObject): Array<[string, string, string | undefined]> {
  const spec = isMap(o.spec) ? o.spec : {};
  if (o.kind === 'ExternalSecret') {
    const data = Array.isArray(spec.data) ? spec.data : [];
    return data.filter(isMap).map((d) => {
      const r = isMap(d.remoteRef) ? d.remoteRef : {};
      return [String(d.secretKey), String(r.key), typeof r.property === 'string' ? r.property : undefined];
    });
  }
  const enc = isMap(spec.encryptedData) ? spec.encryptedData : {};
  return Object.keys(enc)
    .sort()
    .map((k) => [k, o.metadata.name ?? '', k]);
}

function isProvided(o: KubeObject): boolean {
  return (
    (o.apiVersion === EXTERNAL_SECRET_API_VERSION && o.kind === 'ExternalSecret') ||
    (o.apiVersion === SEALED_SECRET_API_VERSION && o.kind === 'SealedSecret')
  );
}

/**
 * The Secrets to write for the manifests' ExternalSecrets and SealedSecrets, every value read before
 * the answer; a missing one is a `values` error (exit 2) listing each, so nothing is applied.
 */
export function readLocalTargets(
  manifests: readonly KubeObject[],
  local: LocalSecretValues,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LocalTarget[] {
  const owners = manifests.filter(isProvided);
  if (owners.length === 0) return [];
  const values = readValues(local);
  const out: LocalTarget[] = [];
  const missing: string[] = [];
  for (const owner of owners) {
    const spec = isMap(owner.spec) ? owner.spec : {};
    const target =
      isMap(spec.target) && typeof spec.target.name === 'string' ? spec.target.name : owner.metadata.name;
    const t: LocalTarget = { owner, name: target ?? '', data: {}, sources: {} };
    for (const [secretKey, key, property] of wanted(owner)) {
      const variable = localSecretEnvName(key, property);
      const entry = values?.[key];
      const fromFile = property === undefined ? entry : isMap(entry) ? entry[property] : undefined;
      if (env[variable]) {
        t.data[secretKey] = Buffer.from(env[variable], 'utf8').toString('base64');
        t.sources[secretKey] = variable;
      } else if (
        typeof fromFile === 'string' ||
        typeof fromFile === 'number' ||
        typeof fromFile === 'boolean'
      ) {
        t.data[secretKey] = Buffer.from(String(fromFile), 'utf8').toString('base64');
        t.sources[secretKey] = local.shown;
      } else {
        const where = property === undefined ? `"${key}"` : `"${key}" property "${property}"`;
        missing.push(`${owner.kind} ${owner.metadata.name}: ${secretKey} (${where}; or ${variable})`);
      }
    }
    out.push(t);
  }
  if (missing.length > 0) {
    throw new SlipwayError('values', `no local value for ${missing[0]}`, {
      ...(missing.length > 1 ? { details: missing.slice(1).map((m) => `no local value for ${m}`) } : {}),
      hint:
        `The local cluster runs no External Secrets Operator or Sealed Secrets controller, so slipway writes these ` +
        `Secrets itself, for development: add the values to ${local.shown} or set the variables; nothing was applied.`,
      data: { missing },
    });
  }
  return out;
}

/** One line per target, naming sources and never a value: what deploy prints. */
export function describeLocalTarget(t: LocalTarget): string {
  const files = new Set(Object.values(t.sources));
  const from = [...files].sort().join(' and ');
  return t.owner.kind === 'SealedSecret'
    ? `Secret ${t.name} written from ${from}: the local cluster cannot decrypt SealedSecret ${t.owner.metadata.name} ` +
        '(no Sealed Secrets controller or key) — in a real cluster the controller decrypts it'
    : `Secret ${t.name} resolved locally from ${from} — in a real cluster the External Secrets Operator does this ` +
        `(store ${String((t.owner.spec as { secretStoreRef?: { name?: string } }).secretStoreRef?.name)})`;
}

/** Installs the bundled ExternalSecret/SealedSecret CRDs the manifests need and the cluster lacks. */
export async function ensureSecretCrds(
  client: KubeClient,
  manifests: readonly KubeObject[],
): Promise<string[]> {
  const installed: string[] = [];
  for (const crd of secretCrds()) {
    const spec = crd.spec as { group: string; names: { kind: string }; versions: Array<{ name: string }> };
    const needed = manifests.some(
      (o) =>
        o.kind === spec.names.kind && spec.versions.some((v) => o.apiVersion === `${spec.group}/${v.name}`),
    );
    if (!needed || (await client.hasKind(`${spec.group}/${spec.versions[0]!.name}`, spec.names.kind)))
      continue;
    await client.apply(crd, { force: true });
    installed.push(crd.metadata.name ?? '');
  }
  return installed;
}

/** The Secret the operator would write, owned by the applied ExternalSecret / SealedSecret. */
export function localTargetSecret(t: LocalTarget, applied: KubeObject): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: t.name,
      ...(applied.metadata.namespace ? { namespace: applied.metadata.namespace } : {}),
      annotations: {
        'slipway.dev/resolved-locally': `from ${[...new Set(Object.values(t.sources))].sort().join(', ')}; development only`,
      },
      ownerReferences: [
        {
          apiVersion: applied.apiVersion,
          kind: applied.kind,
          name: applied.metadata.name ?? '',
          uid: String(applied.metadata.uid ?? ''),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    type: 'Opaque',
    data: t.data,
  };
}
