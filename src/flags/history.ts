// Flag releases kept in the target cluster like service releases (release/history-codec.ts): one
// Secret per revision of each flag in the environment's namespace, gzip-compressed JSON, labelled for
// selection, with a type of its own so that service history never reads one. Revision numbers are
// claimed by creating the Secret; a concurrent creator takes the next number.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { KubeClient } from '../kube/client.ts';
import {
  RELEASE_LABELS,
  RELEASE_STATUS,
  type ReleaseStatus,
  type ReleaseStep,
} from '../release/history-codec.ts';
import { SlipwayError } from '../shared/errors.ts';
import { type KubeObject, LABELS } from '../shared/kube-types.ts';
import type { FlagState } from './model.ts';

export const FLAG_RELEASE_TYPE = 'slipway.dev/flag-release.v1';
export const FLAG_LABEL = 'slipway.dev/flag';

/** A release of kind flag: one change of one flag's state in one environment. */
export interface FlagRelease {
  kind: 'flag';
  platform: string;
  flag: string;
  environment: string;
  revision: number;
  status: ReleaseStatus;
  /** The state this release sets. */
  state: FlagState;
  /** The state it found. */
  previous: FlagState;
  startedBy: string;
  reason?: string;
  startedAt: string;
  endedAt?: string;
  steps: ReleaseStep[];
  rollbackOf?: number;
  failure?: { reason: string; detail?: string };
}

export const flagReleaseSecretName = (flag: string, revision: number) =>
  `slipway.flag.v1.${flag}.v${revision}`;

export function encodeFlagRelease(r: FlagRelease, namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: flagReleaseSecretName(r.flag, r.revision),
      namespace,
      labels: {
        [FLAG_LABEL]: r.flag,
        [LABELS.environment]: r.environment,
        [LABELS.platform]: r.platform,
        [RELEASE_LABELS.status]: r.status,
        [RELEASE_LABELS.revision]: String(r.revision),
        [RELEASE_LABELS.owner]: 'slipway',
      },
    },
    type: FLAG_RELEASE_TYPE,
    data: { release: gzipSync(Buffer.from(JSON.stringify(r), 'utf8')).toString('base64') },
  };
}

export function decodeFlagRelease(s: KubeObject): FlagRelease {
  try {
    const payload = (s.data as Record<string, string> | undefined)?.release ?? '';
    const r = JSON.parse(gunzipSync(Buffer.from(payload, 'base64')).toString('utf8')) as FlagRelease;
    if (r.kind !== 'flag' || typeof r.flag !== 'string' || typeof r.revision !== 'number')
      throw new Error('not a flag release');
    return { ...r, steps: r.steps ?? [] };
  } catch (e) {
    throw new SlipwayError(
      'failed',
      `flag release ${s.metadata.namespace}/${s.metadata.name} is unreadable: ${(e as Error).message}`,
      { hint: 'Delete that Secret if the revision is not needed; the rest of the history stays usable.' },
    );
  }
}

export interface FlagHistory {
  /** Newest first. */
  list(flag: string): Promise<FlagRelease[]>;
  create(r: Omit<FlagRelease, 'revision'>): Promise<FlagRelease>;
  update(r: FlagRelease): Promise<FlagRelease>;
  /** Marks the flag's other `deployed` revisions `superseded`. */
  markSuperseded(flag: string, current: number): Promise<void>;
  /** Deletes the oldest revisions beyond `limit`, never the newest. */
  prune(flag: string, limit: number): Promise<void>;
}

export function flagHistory(
  client: KubeClient,
  o: { platform: string; environment: string; namespace: string },
): FlagHistory {
  const versions = new Map<string, string>();
  const remember = (s: KubeObject) => {
    const r = decodeFlagRelease(s);
    if (s.metadata.resourceVersion) versions.set(`${r.flag}/${r.revision}`, s.metadata.resourceVersion);
    return r;
  };
  async function list(flag: string): Promise<FlagRelease[]> {
    const secrets = await client.list('v1', 'Secret', {
      namespace: o.namespace,
      labelSelector: `${RELEASE_LABELS.owner}=slipway,${LABELS.platform}=${o.platform},${LABELS.environment}=${o.environment},${FLAG_LABEL}=${flag}`,
    });
    return secrets
      .filter((s) => s.type === FLAG_RELEASE_TYPE)
      .map(remember)
      .sort((a, b) => b.revision - a.revision);
  }
  async function update(r: FlagRelease): Promise<FlagRelease> {
    const secret = encodeFlagRelease(r, o.namespace);
    const rv = versions.get(`${r.flag}/${r.revision}`);
    if (rv) secret.metadata.resourceVersion = rv;
    return remember(await client.replace(secret));
  }
  return {
    list,
    update,
    async create(input) {
      let revision = ((await list(input.flag))[0]?.revision ?? 0) + 1;
      for (let attempt = 0; attempt < 20; attempt++, revision++) {
        const record = { ...input, revision } as FlagRelease;
        try {
          return remember(await client.create(encodeFlagRelease(record, o.namespace)));
        } catch (e) {
          if (!(e instanceof SlipwayError && e.type === 'conflict')) throw e;
        }
      }
      throw new SlipwayError('conflict', `could not claim a revision number for flag ${input.flag}`);
    },
    async markSuperseded(flag, current) {
      for (const r of await list(flag))
        if (r.revision !== current && r.status === RELEASE_STATUS.deployed)
          await update({ ...r, status: RELEASE_STATUS.superseded });
    },
    async prune(flag, limit) {
      const all = await list(flag);
      for (const r of all.slice(Math.max(1, limit)))
        await client.delete('v1', 'Secret', flagReleaseSecretName(flag, r.revision), o.namespace);
    },
  };
}
