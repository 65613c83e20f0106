// The service page's data: a service's release history per environment, read the way `slipway history`
// and GET …/services/{service}/history read it (the history Secrets through serviceTarget), and the
// diff between two recorded revisions. The records keep rendered manifests and values with secret
// references only; the diff still masks any Secret value that is not a reference, so a record written
// by an older slipway (or by hand) never shows one.
import { createTwoFilesPatch } from 'diff';
import type { ReleaseRecord } from '../../release/history.ts';
import { serviceTarget } from '../../release/target.ts';
import { parseSecretPlaceholder, toYaml } from '../../render/index.ts';
import { SlipwayError } from '../../shared/errors.ts';
import type { KubeObject } from '../../shared/kube-types.ts';
import { stringifyManifest } from '../../shared/yaml-emit.ts';
import type { Caller } from '../auth.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import { gatesFor, viewableEnvironments } from './data.ts';

export interface ServiceViewData {
  service: string;
  /** The environments the caller may view, in promotion order, with how many revisions each keeps. */
  environments: Array<{ name: string; revisions: number | undefined }>;
  /** The environment shown; undefined when the caller may view none. */
  environment: string | undefined;
  /** Newest first. */
  records: ReleaseRecord[];
  gates: { allowed: true } | { allowed: false; reason: string };
  now: Date;
}

export interface FileDiff {
  /** `values.yaml` or `Kind/name` of a manifest. */
  name: string;
  /** Unified diff of revision a → revision b (empty when the same). */
  patch: string;
}

export interface RevisionDiffData {
  service: string;
  environment: string;
  a: ReleaseRecord;
  b: ReleaseRecord;
  files: FileDiff[];
  /** Revisions of the environment, newest first, for choosing another pair. */
  revisions: number[];
}

/** The read of `slipway history` and of the API's history route (view rights checked by the caller). */
async function historyOf(deps: ServerDeps, service: string, env: string): Promise<ReleaseRecord[]> {
  const platform = deps.platform();
  const client = await deps.connect(platform, env, { start: false });
  if (!client) throw new SlipwayError('unreachable', `the cluster of ${env} is not running`);
  return await serviceTarget(client, { platform, service, environment: env }).history.list(service);
}

function checkService(deps: ServerDeps, caller: Caller, service: string, env: string | undefined) {
  const platform = contextFor(deps, caller).platform;
  if (!platform.platform.services[service]) throw new SlipwayError('notFound', `no service ${service}`);
  const envs = viewableEnvironments(platform, caller);
  if (env !== undefined && !platform.environments.some((e) => e.name === env))
    throw new SlipwayError('notFound', `no environment ${env}`);
  if (env !== undefined && !envs.includes(env))
    throw new SlipwayError('forbidden', `you may not view ${env}`);
  return envs;
}

/** The history of `service` in `env`, or in the first environment where it has releases. */
export async function serviceData(
  deps: ServerDeps,
  caller: Caller,
  service: string,
  env: string | undefined,
): Promise<ServiceViewData> {
  const envs = checkService(deps, caller, service, env);
  const histories = await Promise.all(envs.map((e) => historyOf(deps, service, e).catch(() => undefined)));
  const chosen = env ?? envs.find((_, i) => (histories[i]?.length ?? 0) > 0) ?? envs[0];
  const i = chosen === undefined ? -1 : envs.indexOf(chosen);
  // The chosen environment's read is repeated so that its failure (cluster down) is the page's error.
  const records = chosen === undefined ? [] : (histories[i] ?? (await historyOf(deps, service, chosen)));
  return {
    service,
    environments: envs.map((name, j) => ({ name, revisions: histories[j]?.length })),
    environment: chosen,
    records,
    gates: chosen ? gatesFor(deps, caller, chosen) : { allowed: false, reason: 'no environment to view' },
    now: contextFor(deps, caller).now,
  };
}

/** Revisions a and b of `service` in `env` and their diff; default the one before the newest → the newest. */
export async function revisionDiffData(
  deps: ServerDeps,
  caller: Caller,
  service: string,
  env: string,
  a: number | undefined,
  b: number | undefined,
): Promise<RevisionDiffData> {
  checkService(deps, caller, service, env);
  const records = await historyOf(deps, service, env);
  const pick = (n: number | undefined, fallback: ReleaseRecord | undefined, which: string) => {
    const r = n === undefined ? fallback : records.find((x) => x.revision === n);
    if (!r)
      throw new SlipwayError(
        'notFound',
        n === undefined
          ? `${service} in ${env} has fewer than two revisions to compare`
          : `${service} in ${env} keeps no revision ${n} (${which})`,
      );
    return r;
  };
  const ra = pick(a, records[1], 'A');
  const rb = pick(b, records[0], 'B');
  return {
    service,
    environment: env,
    a: ra,
    b: rb,
    files: revisionDiff(ra, rb),
    revisions: records.map((r) => r.revision),
  };
}

/** A Secret as the diff shows it: references as they are, any other value as its size only. Pure. */
export function maskSecret(o: KubeObject): KubeObject {
  if (o.kind !== 'Secret') return o;
  const out: KubeObject = { ...o };
  for (const field of ['data', 'stringData']) {
    const d = o[field];
    if (d && typeof d === 'object')
      out[field] = Object.fromEntries(
        Object.entries(d as Record<string, unknown>).map(([k, v]) => [
          k,
          parseSecretPlaceholder(v) ? v : `(${String(v).length} bytes, not shown)`,
        ]),
      );
  }
  return out;
}

const keyOf = (o: KubeObject) => `${o.kind}/${o.metadata.name ?? '?'}`;

/** The values and each manifest of revision a against revision b, as unified diffs (changed ones only). Pure. */
export function revisionDiff(a: ReleaseRecord, b: ReleaseRecord): FileDiff[] {
  const files: FileDiff[] = [];
  const add = (name: string, before: string, after: string) => {
    if (before === after) return;
    files.push({
      name,
      // Without jsdiff's `====` rule and the tab it leaves after each file name (no headers given).
      patch: createTwoFilesPatch(`r${a.revision}/${name}`, `r${b.revision}/${name}`, before, after, '', '', {
        context: 3,
      })
        .replace(/^=+\n/, '')
        .replace(/^(---|\+\+\+) (.*)\t$/gm, '$1 $2'),
    });
  };
  const yamlOfValues = (v: Record<string, unknown>) => (Object.keys(v).length ? stringifyManifest(v) : '');
  add('values.yaml', yamlOfValues(a.values), yamlOfValues(b.values));
  const before = new Map(a.manifests.map((o) => [keyOf(o), o]));
  const after = new Map(b.manifests.map((o) => [keyOf(o), o]));
  for (const key of [...new Set([...before.keys(), ...after.keys()])]) {
    const x = before.get(key);
    const y = after.get(key);
    add(key, x ? toYaml([maskSecret(x)]) : '', y ? toYaml([maskSecret(y)]) : '');
  }
  return files;
}

/** How long a release took: start to end, else to its last step's end, else so far when pending. Pure. */
export function releaseDuration(r: ReleaseRecord, now: Date): number | undefined {
  const start = Date.parse(r.startedAt);
  const end =
    r.endedAt ??
    [...r.steps].reverse().find((s) => s.endedAt)?.endedAt ??
    (r.status === 'pending' ? now.toISOString() : undefined);
  if (Number.isNaN(start) || end === undefined) return undefined;
  return Math.max(0, Date.parse(end) - start);
}
