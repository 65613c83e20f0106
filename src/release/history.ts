// Release history kept in the target cluster: one Secret per revision in the environment's
// namespace (see history-codec.ts), so every machine sees the same history. Revision numbers are
// claimed by creating the Secret: a concurrent creator gets AlreadyExists and takes the next number.

import type { KubeClient } from '../kube/client.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import {
  decodeRelease,
  encodeRelease,
  historySelector,
  isReleaseSecret,
  RELEASE_STATUS,
  type ReleaseRecord,
  releaseSecretName,
  revisionsToPrune,
} from './history-codec.ts';

export * from './history-codec.ts';

export interface ReleaseHistory {
  /** Newest first. */
  list(service: string): Promise<ReleaseRecord[]>;
  get(service: string, revision: number): Promise<ReleaseRecord | undefined>;
  latest(service: string): Promise<ReleaseRecord | undefined>;
  /** The newest deployed or superseded revision: what a rollback or an atomic failure returns to. */
  lastGood(service: string): Promise<ReleaseRecord | undefined>;
  /** Stores a new revision (the next number; a race with another writer takes the one after). */
  create(r: Omit<ReleaseRecord, 'revision'>): Promise<ReleaseRecord>;
  /** Rewrites a revision; fails with `conflict` when someone else changed it since this history last read it. */
  update(r: ReleaseRecord): Promise<ReleaseRecord>;
  /** Marks every other `deployed` revision of the service `superseded`; answers the revisions changed. */
  markSuperseded(service: string, current: number): Promise<number[]>;
  /** Deletes the oldest revisions beyond historyLimit, never the newest deployed; answers those deleted. */
  prune(service: string): Promise<number[]>;
}

export interface HistoryOptions {
  platform: string;
  environment: string;
  namespace: string;
  historyLimit: number;
}

const MAX_CREATE_RACES = 20;

export function releaseHistory(client: KubeClient, o: HistoryOptions): ReleaseHistory {
  /** The Secret resourceVersion last seen per revision, for optimistic concurrency on update. */
  const versions = new Map<string, string>();
  const key = (service: string, revision: number) => `${service}/${revision}`;

  const remember = (secret: KubeObject): ReleaseRecord => {
    const r = decodeRelease(secret);
    if (secret.metadata.resourceVersion)
      versions.set(key(r.service, r.revision), secret.metadata.resourceVersion);
    return r;
  };

  async function list(service: string): Promise<ReleaseRecord[]> {
    const secrets = await client.list('v1', 'Secret', {
      namespace: o.namespace,
      labelSelector: historySelector({ ...o, service }),
    });
    return secrets
      .filter(isReleaseSecret)
      .map(remember)
      .filter((r) => r.service === service)
      .sort((a, b) => b.revision - a.revision);
  }

  async function get(service: string, revision: number): Promise<ReleaseRecord | undefined> {
    const s = await client.get('v1', 'Secret', releaseSecretName(service, revision), o.namespace);
    return s && isReleaseSecret(s) ? remember(s) : undefined;
  }

  async function update(r: ReleaseRecord): Promise<ReleaseRecord> {
    let rv = versions.get(key(r.service, r.revision));
    if (rv === undefined) {
      const current = await client.get('v1', 'Secret', releaseSecretName(r.service, r.revision), o.namespace);
      if (!current) {
        throw new SlipwayError(
          'notFound',
          `release ${r.service} revision ${r.revision} does not exist in ${o.environment}`,
        );
      }
      rv = current.metadata.resourceVersion;
    }
    const secret = encodeRelease(r, o.namespace);
    if (rv) secret.metadata.resourceVersion = rv;
    try {
      return remember(await client.replace(secret));
    } catch (e) {
      if (e instanceof SlipwayError && e.type === 'conflict') {
        throw new SlipwayError(
          'conflict',
          `release ${r.service} revision ${r.revision} in ${o.environment} was changed by someone else meanwhile`,
          {
            hint: 'Another slipway process is writing this release; check `slipway history` and run the command again.',
            cause: e,
          },
        );
      }
      throw e;
    }
  }

  return {
    list,
    get,
    async latest(service) {
      return (await list(service))[0];
    },
    async lastGood(service) {
      return (await list(service)).find(
        (r) => r.status === RELEASE_STATUS.deployed || r.status === RELEASE_STATUS.superseded,
      );
    },
    async create(input) {
      let revision = ((await list(input.service))[0]?.revision ?? 0) + 1;
      for (let attempt = 0; attempt < MAX_CREATE_RACES; attempt++, revision++) {
        const record = { ...input, revision } as ReleaseRecord;
        try {
          remember(await client.create(encodeRelease(record, o.namespace)));
          return record;
        } catch (e) {
          if (!(e instanceof SlipwayError && e.type === 'conflict')) throw e; // AlreadyExists: someone took it
        }
      }
      throw new SlipwayError(
        'conflict',
        `could not claim a revision number for ${input.service} in ${o.environment}`,
        {
          hint: 'Many releases of this service are being created at once; wait for them and try again.',
        },
      );
    },
    update,
    async markSuperseded(service, current) {
      const changed: number[] = [];
      for (const r of await list(service)) {
        if (r.revision === current || r.status !== RELEASE_STATUS.deployed) continue;
        await update({ ...r, status: RELEASE_STATUS.superseded });
        changed.push(r.revision);
      }
      return changed;
    },
    async prune(service) {
      const doomed = revisionsToPrune(await list(service), o.historyLimit);
      for (const rev of doomed) {
        await client.delete('v1', 'Secret', releaseSecretName(service, rev), o.namespace);
        versions.delete(key(service, rev));
      }
      return doomed;
    },
  };
}
