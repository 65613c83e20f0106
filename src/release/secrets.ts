// Secret references resolved at the one point where manifests go to the cluster. Rendering stays pure:
// the service's Secret (render/secret.ts, marked by its secret-source annotation) carries placeholders
// such as `<from env RESERVATIONS_DATABASE_URL>`, and the release record keeps exactly that form.
// applyManifests (rolling.ts) — the apply of every strategy and of a rollback to a recorded revision —
// calls resolveSecrets on its way to the client, so a value lives only in the object sent to the API
// server. checkSecretSources runs the same reads before anything is applied (deploy, deploy --dry-run,
// rollback, a resumed release) and fails with an input error naming the service, the values key and
// the source. Neither answers nor logs a value, and no error message contains one.
//
// Environments with a secret provider (ExternalSecret, SealedSecret) have no references here: the
// operator resolves them in the cluster, and on the local cluster external-secrets.ts stands in for it.
//
// Sources: `fromEnv` — the variable of this process, set and not empty; `fromFile` — a regular file,
// relative to the platform directory, not empty and at most 1 MiB (the API server's limit for a whole
// Secret), its bytes taken as they are (no newline is trimmed).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { LoadedPlatform } from '../config/load.ts';
import { parseSecretPlaceholder, SECRET_SOURCE_ANNOTATION, type SecretRef } from '../render/index.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import {
  describeLocalTarget,
  type LocalSecretValues,
  localSecretValuesFor,
  readLocalTargets,
} from './external-secrets.ts';

export const MAX_SECRET_FILE_BYTES = 1024 * 1024;

export interface SecretSources {
  /** The platform directory: `fromFile` paths are relative to it. */
  dir: string;
  service: string;
  /** Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * On the local cluster, for an environment with a secret provider: where slipway takes the values of
   * ExternalSecrets and SealedSecrets in the operator's place (external-secrets.ts).
   */
  local?: LocalSecretValues;
}

/** The sources of one service's secrets in one environment (the local stand-in when it applies). */
export function secretSourcesFor(
  p: LoadedPlatform | undefined,
  environment: string | undefined,
  service: string,
): SecretSources {
  const local = p && environment ? localSecretValuesFor(p, environment) : undefined;
  return { dir: p?.dir ?? '.', service, ...(local ? { local } : {}) };
}

interface Reference {
  secret: string;
  key: string;
  ref: SecretRef;
}

/** True for a Secret rendered from references (placeholders in stringData). Pure. */
export function holdsReferences(o: KubeObject): boolean {
  return o.kind === 'Secret' && o.metadata.annotations?.[SECRET_SOURCE_ANNOTATION] !== undefined;
}

/** The references of the manifests' Secrets, in order. Pure. */
export function secretReferences(manifests: readonly KubeObject[]): Reference[] {
  const out: Reference[] = [];
  for (const o of manifests.filter(holdsReferences)) {
    const data = (o.stringData ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(data).sort()) {
      const ref = parseSecretPlaceholder(data[key]);
      if (ref) out.push({ secret: o.metadata.name ?? '', key, ref });
    }
  }
  return out;
}

/** `environment variable NAME` or `file PATH`: how messages name a source. */
export function describeSource(ref: SecretRef): string {
  return 'fromEnv' in ref ? `environment variable ${ref.fromEnv}` : `file ${ref.fromFile}`;
}

type Read = { value: Buffer } | { problem: string };

function readSource(ref: SecretRef, o: SecretSources): Read {
  if ('fromEnv' in ref) {
    const v = (o.env ?? process.env)[ref.fromEnv];
    if (v === undefined) return { problem: 'is not set' };
    if (v === '') return { problem: 'is empty' };
    return { value: Buffer.from(v, 'utf8') };
  }
  const path = isAbsolute(ref.fromFile) ? ref.fromFile : resolve(o.dir, ref.fromFile);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      problem:
        code === 'ENOENT'
          ? 'does not exist (relative to the platform directory)'
          : code === 'EACCES'
            ? 'cannot be read (permission denied)'
            : `cannot be opened (${code ?? 'error'})`,
    };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { problem: 'is not a regular file' };
    if (st.size === 0) return { problem: 'is empty' };
    if (st.size > MAX_SECRET_FILE_BYTES) return { problem: `is larger than 1 MiB (${st.size} bytes)` };
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < st.size) {
      const got = readSync(fd, buf, n, st.size - n, n);
      if (got === 0) break;
      n += got;
    }
    return n === 0 ? { problem: 'is empty' } : { value: buf.subarray(0, n) };
  } catch (e) {
    return { problem: `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    closeSync(fd);
  }
}

/** Every reference read; throws one `values` error (exit 2) listing each source that fails. */
function readAll(manifests: readonly KubeObject[], o: SecretSources): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  const problems: string[] = [];
  for (const r of secretReferences(manifests)) {
    const read = readSource(r.ref, o);
    if ('problem' in read) problems.push(`secrets.${r.key}: ${describeSource(r.ref)} ${read.problem}`);
    else values.set(`${r.secret}\0${r.key}`, read.value);
  }
  if (problems.length > 0) {
    throw new SlipwayError('values', `${o.service}: ${problems[0]}`, {
      ...(problems.length > 1 ? { details: problems.slice(1) } : {}),
      hint:
        'Set the environment variable or create the file before deploying; nothing was applied. ' +
        '`slipway render` shows where each secret value comes from.',
      data: { service: o.service, secrets: problems },
    });
  }
  return values;
}

/**
 * Checks that every secret reference of the manifests resolves (read, never kept); answers a line
 * naming the sources, without values, or undefined when there are none.
 */
export function checkSecretSources(manifests: readonly KubeObject[], o: SecretSources): string | undefined {
  const refs = secretReferences(manifests);
  readAll(manifests, o);
  const lines: string[] = [];
  if (refs.length > 0) {
    const n = refs.length;
    lines.push(
      `${n} secret value${n === 1 ? '' : 's'} found: ${refs.map((r) => `${r.key} (${describeSource(r.ref)})`).join(', ')}`,
    );
  }
  if (o.local) lines.push(...readLocalTargets(manifests, o.local, o.env).map(describeLocalTarget));
  return lines.length > 0 ? lines.join('\n') : undefined;
}

/**
 * The manifests as they go to the cluster: each Secret's placeholders replaced by the values of their
 * sources (in `data`, base64), every other object as it is. All sources are read before the answer,
 * so a missing one fails before anything is applied.
 */
export function resolveSecrets(manifests: readonly KubeObject[], o: SecretSources): KubeObject[] {
  const values = readAll(manifests, o);
  if (values.size === 0) return [...manifests];
  return manifests.map((m) => {
    if (!holdsReferences(m)) return m;
    const name = m.metadata.name ?? '';
    const stringData: Record<string, unknown> = {};
    const data: Record<string, string> = { ...((m.data ?? {}) as Record<string, string>) };
    for (const [key, text] of Object.entries((m.stringData ?? {}) as Record<string, unknown>)) {
      const value = values.get(`${name}\0${key}`);
      if (value === undefined) stringData[key] = text;
      else data[key] = value.toString('base64');
    }
    const { stringData: _placeholders, ...rest } = m;
    return { ...rest, data, ...(Object.keys(stringData).length ? { stringData } : {}) };
  });
}
