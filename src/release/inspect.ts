// Read-only operations: the release status of every service of an environment, and the diff of one
// service between the cluster and what a deploy would apply.
import type { LoadedPlatform } from '../config/load.ts';
import { serviceNames } from '../config/model.ts';
import type { ValueOverrides } from '../config/values.ts';
import type { KubeClient } from '../kube/client.ts';
import { assessHealth, type HealthStatus, worstHealth } from '../kube/health.ts';
import { liveHealth } from '../kube/rollout.ts';
import { prepareRelease } from '../policy/prepare.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { diffManifests, type ObjectChange } from './diff.ts';
import { holderIsGone, serviceTarget, versionText } from './engine.ts';
import { RELEASE_STATUS, type ReleaseRecord } from './history.ts';
import { type LockInfo, readLock } from './lock.ts';
import { workloadsOf } from './plan.ts';

export interface ServiceStatus {
  service: string;
  environment: string;
  /** The running (deployed) revision and version, if any. */
  revision?: number;
  /** The image version (tag, short digest); the chart version is apart, for scripts comparing tags. */
  version?: string;
  /** The version of the chart the deployed revision was rendered with, when pinned. */
  chart?: string;
  /**
   * The images the live workloads' pod templates name, as the cluster has them now: what the pods
   * run (or are being rolled to), which a hand edit or a half-done release can set apart from `version`.
   */
  images?: string[];
  /** A live pod template names another image than the deployed revision recorded (a hand edit?). */
  imagesDiffer?: boolean;
  deployedAt?: string;
  health: HealthStatus;
  /** The newest revision when it is not the deployed one (pending, failed…). */
  latest?: { revision: number; status: string; failure?: string };
  /** A release holding the lock right now; `stale` when its holder is gone (resume will finish it). */
  inProgress?: { holder: string; since?: string; stale: boolean; reason?: string };
}

export async function releaseStatus(
  client: KubeClient,
  o: { platform: LoadedPlatform; environment: string; services?: string[] },
): Promise<ServiceStatus[]> {
  const names = o.services?.length ? o.services : serviceNames(o.platform);
  return await Promise.all(
    names.map(async (service): Promise<ServiceStatus> => {
      const t = serviceTarget(client, { platform: o.platform, service, environment: o.environment });
      const [records, lock] = await Promise.all([t.history.list(service), readLock(client, service)]);
      const refs = statusWorkloads(records).map((w) => ({
        apiVersion: w.apiVersion,
        kind: w.kind,
        name: w.metadata.name ?? '',
        namespace: t.namespace,
      }));
      const live = refs.length ? await liveHealth(client, refs) : [];
      return buildServiceStatus({
        service,
        environment: o.environment,
        records,
        lock,
        live: live.map((h) => h.object),
      });
    }),
  );
}

/** The parts of a release record a status is built from (the status cache keeps only these). */
export type StatusRecord = Pick<
  ReleaseRecord,
  'revision' | 'status' | 'version' | 'startedAt' | 'endedAt' | 'failure' | 'manifests'
>;

/** The workloads whose live health a status reports: the deployed revision's, else the newest's. */
export function statusWorkloads(records: readonly StatusRecord[]): KubeObject[] {
  const deployed = records.find((r) => r.status === RELEASE_STATUS.deployed);
  return workloadsOf(deployed?.manifests ?? records[0]?.manifests ?? []);
}

/**
 * One service's status from its history (newest first), its lock, and the live objects of
 * `statusWorkloads(records)` (same order; undefined when missing). Pure but for `holderIsGone`, which
 * asks whether a holder on this machine still runs. `releaseStatus` and the server's status cache
 * both answer with it.
 */
export function buildServiceStatus(o: {
  service: string;
  environment: string;
  records: readonly StatusRecord[];
  lock: LockInfo | undefined;
  live: ReadonlyArray<KubeObject | undefined>;
}): ServiceStatus {
  const { records, lock, live } = o;
  const deployed = records.find((r) => r.status === RELEASE_STATUS.deployed);
  const latest = records[0];
  const workloads = statusWorkloads(records);
  const health = workloads.length
    ? worstHealth(workloads.map((_, i) => assessHealth(live[i])))
    : { status: 'Missing' as const, message: 'never deployed' };
  const images = [...new Set(live.flatMap((obj) => templateImages(obj)))];
  // Compared object by object with the deployed revision's own manifests (blue and green, or
  // stable and canary, may rightly run different images); not while a release holds the lock.
  const imagesDiffer =
    deployed !== undefined &&
    !(lock && !lock.expired) &&
    live.some((obj, i) => obj && templateImages(obj).join() !== templateImages(workloads[i]).join());
  return {
    service: o.service,
    environment: o.environment,
    ...(deployed
      ? {
          revision: deployed.revision,
          version: versionText({ version: imageVersion(deployed.version) }),
          ...(deployed.version.chart ? { chart: deployed.version.chart.version } : {}),
          deployedAt: deployed.endedAt ?? deployed.startedAt,
        }
      : {}),
    ...(images.length > 0 ? { images } : {}),
    ...(imagesDiffer ? { imagesDiffer } : {}),
    health,
    ...(latest && latest.revision !== deployed?.revision
      ? {
          latest: {
            revision: latest.revision,
            status: latest.status,
            ...(latest.failure ? { failure: latest.failure.reason } : {}),
          },
        }
      : {}),
    ...(lock && !lock.expired
      ? {
          inProgress: {
            holder: lock.holder,
            ...(lock.acquiredAt ? { since: lock.acquiredAt.toISOString() } : {}),
            stale: holderIsGone(lock),
            ...(lock.reason ? { reason: lock.reason } : {}),
          },
        }
      : latest?.status === RELEASE_STATUS.pending
        ? { inProgress: { holder: lock?.holder ?? '(no lock)', stale: true } }
        : {}),
  };
}

function templateImages(o: KubeObject | undefined): string[] {
  const spec = (o?.spec as { template?: { spec?: { containers?: Array<{ image?: unknown }> } } } | undefined)
    ?.template?.spec;
  return (spec?.containers ?? []).flatMap((c) => (typeof c.image === 'string' ? [c.image] : []));
}

/** What a deploy of the service would change: per object, live → desired. */
export async function diffService(
  client: KubeClient,
  o: { platform: LoadedPlatform; service: string; environment: string; overrides?: ValueOverrides },
): Promise<ObjectChange[]> {
  const t = serviceTarget(client, o);
  const { manifests, ownership } = await prepareRelease(o.platform, {
    service: o.service,
    environment: o.environment,
    overrides: o.overrides,
    lint: false,
  });
  const previous = await t.history.lastGood(o.service);
  return await diffManifests(client, manifests, t.namespace, previous?.manifests ?? [], ownership);
}

/** A recorded version without its chart: what the image reference says. */
function imageVersion({ chart: _chart, ...image }: ReleaseRecord['version']): ReleaseRecord['version'] {
  return image;
}
