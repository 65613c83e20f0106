// Release records as Kubernetes Secrets, the way Helm keeps its release history: one Secret per
// revision, labelled for selection, the record itself gzip-compressed JSON in `data.release` (the
// Secret's own base64). Pure functions, so the format is unit-tested without a cluster.
import { gunzipSync, gzipSync } from 'node:zlib';
import { SlipwayError } from '../shared/errors.ts';
import { type KubeObject, LABELS } from '../shared/kube-types.ts';

export const RELEASE_STATUS = {
  pending: 'pending',
  deployed: 'deployed',
  superseded: 'superseded',
  failed: 'failed',
  rolledBack: 'rolled-back',
  aborted: 'aborted',
} as const;

export type ReleaseStatus = (typeof RELEASE_STATUS)[keyof typeof RELEASE_STATUS];

export interface ReleaseStep {
  name: string;
  startedAt: string;
  endedAt?: string;
  outcome?: 'ok' | 'failed' | 'skipped';
  detail?: string;
  data?: Record<string, unknown>;
}

export interface ReleaseRecord {
  platform: string;
  service: string;
  environment: string;
  revision: number;
  status: ReleaseStatus;
  strategy: string;
  /** The image, and the chart version when the desired state pinned one (policy/prepare.ts). */
  version: { tag?: string; digest?: string; chart?: { name: string; version: string; path?: string } };
  values: Record<string, unknown>;
  manifests: KubeObject[];
  startedBy: string;
  reason?: string;
  startedAt: string;
  endedAt?: string;
  steps: ReleaseStep[];
  rollbackOf?: number;
  failure?: { reason: string; detail?: string };
}

export const RELEASE_SECRET_TYPE = 'slipway.dev/release.v1';
export const RELEASE_LABELS = {
  status: 'slipway.dev/status',
  revision: 'slipway.dev/revision',
  owner: 'owner',
} as const;
const PAYLOAD_KEY = 'release';

export function releaseSecretName(service: string, revision: number): string {
  return `slipway.release.v1.${service}.v${revision}`;
}

/** The label selector of one service's history in one environment of one platform. */
export function historySelector(o: { platform: string; environment: string; service?: string }): string {
  const parts = [
    `${RELEASE_LABELS.owner}=slipway`,
    `${LABELS.platform}=${o.platform}`,
    `${LABELS.environment}=${o.environment}`,
  ];
  if (o.service) parts.push(`${LABELS.service}=${o.service}`);
  return parts.join(',');
}

export function encodeRelease(r: ReleaseRecord, namespace: string): KubeObject {
  const payload = gzipSync(Buffer.from(JSON.stringify(r), 'utf8')).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: releaseSecretName(r.service, r.revision),
      namespace,
      labels: {
        [LABELS.service]: r.service,
        [LABELS.environment]: r.environment,
        [LABELS.platform]: r.platform,
        [RELEASE_LABELS.status]: r.status,
        [RELEASE_LABELS.revision]: String(r.revision),
        [RELEASE_LABELS.owner]: 'slipway',
      },
    },
    type: RELEASE_SECRET_TYPE,
    data: { [PAYLOAD_KEY]: payload },
  };
}

export function isReleaseSecret(s: KubeObject): boolean {
  return s.kind === 'Secret' && s.type === RELEASE_SECRET_TYPE;
}

export function decodeRelease(secret: KubeObject): ReleaseRecord {
  const name = `Secret/${secret.metadata.namespace ?? ''}/${secret.metadata.name ?? '?'}`;
  const corrupt = (why: string, cause?: unknown) =>
    new SlipwayError('failed', `release record ${name} is unreadable: ${why}`, {
      hint: 'Delete that Secret if the revision is not needed (kubectl delete secret …); the rest of the history stays usable.',
      ...(cause === undefined ? {} : { cause }),
    });
  if (!isReleaseSecret(secret)) throw corrupt(`its type is not ${RELEASE_SECRET_TYPE}`);
  const data = secret.data as Record<string, string> | undefined;
  const payload = data?.[PAYLOAD_KEY];
  if (typeof payload !== 'string') throw corrupt(`it has no data.${PAYLOAD_KEY}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(Buffer.from(payload, 'base64')).toString('utf8'));
  } catch (e) {
    throw corrupt('the payload is not gzip-compressed JSON', e);
  }
  const r = parsed as Partial<ReleaseRecord>;
  if (
    !r ||
    typeof r !== 'object' ||
    typeof r.service !== 'string' ||
    typeof r.revision !== 'number' ||
    typeof r.status !== 'string'
  ) {
    throw corrupt('the payload lacks service, revision or status');
  }
  return {
    ...r,
    steps: r.steps ?? [],
    manifests: r.manifests ?? [],
    values: r.values ?? {},
    version: r.version ?? {},
  } as ReleaseRecord;
}

/**
 * Revisions to delete, oldest first, so that at most `limit` remain; never the newest deployed one
 * (the rollback target) nor the newest of all (possibly a release in progress). Pure.
 */
export function revisionsToPrune(
  records: readonly Pick<ReleaseRecord, 'revision' | 'status'>[],
  limit: number,
): number[] {
  const newestFirst = [...records].sort((a, b) => b.revision - a.revision);
  const newestDeployed = newestFirst.find((r) => r.status === RELEASE_STATUS.deployed)?.revision;
  const excess = newestFirst.length - Math.max(1, limit);
  if (excess <= 0) return [];
  const newest = newestFirst[0]?.revision;
  const candidates = newestFirst
    .filter((r) => r.revision !== newestDeployed && r.revision !== newest)
    .reverse();
  return candidates.slice(0, excess).map((r) => r.revision);
}
