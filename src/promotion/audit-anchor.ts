// The audit chain's head, kept where an edit of the store cannot reach: the cluster. After each audit
// write the head (seq, hash, time) goes into the ConfigMap `slipway-audit-anchor` in the namespace of
// the environment the entry concerns; `slipway audit verify` reads the anchor of every environment
// and checks the store against each. Since every hash covers all entries before it, one anchor at
// seq N vouches for entries 1..N: deleting the newest entries, rebuilding the chain with new hashes
// or deleting the store all disagree with it. An anchor only moves forward (writers racing leave the
// newest head); one that cannot be written loses nothing but that protection, and is reported.
import type { LoadedPlatform } from '../config/load.ts';
import type { KubeClient } from '../kube/client.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import type { AuditAnchor } from './audit.ts';

export const AUDIT_ANCHOR = 'slipway-audit-anchor';

interface AnchorData {
  seq: number;
  hash: string;
  at: string;
}

function anchorData(cm: KubeObject): AnchorData | undefined {
  const data = (cm.data ?? {}) as Record<string, string>;
  const seq = Number(data.seq);
  if (!Number.isInteger(seq) || seq < 1 || !/^[0-9a-f]{64}$/.test(data.hash ?? '')) return undefined;
  return { seq, hash: data.hash as string, at: data.at ?? '' };
}

/** Writes the head into the client's namespace unless a newer one is there already. */
export async function writeAnchor(client: KubeClient, head: AnchorData): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current = await client.get('v1', 'ConfigMap', AUDIT_ANCHOR);
    const known = current ? anchorData(current) : undefined;
    if (known && known.seq >= head.seq) return;
    const cm: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: AUDIT_ANCHOR,
        namespace: client.target.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'slipway' },
        annotations: {
          'slipway.dev/purpose':
            'the head of the slipway audit log; `slipway audit verify` checks the store against it',
        },
        ...(current?.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
      },
      data: { seq: String(head.seq), hash: head.hash, at: head.at },
    };
    try {
      await (current ? client.replace(cm) : client.create(cm));
      return;
    } catch (e) {
      // Another writer changed it meanwhile: read it again (it may now hold a newer head).
      if (attempt < 5 && e instanceof SlipwayError && e.type === 'conflict') continue;
      throw e;
    }
  }
}

export interface AnchorsRead {
  anchors: AuditAnchor[];
  /** An anchor that is there but not an anchor (edited): a problem of the log. */
  problems: string[];
  /** Environments whose anchor could not be read (cluster not running or unreachable). */
  unchecked: string[];
}

/**
 * The anchor of every environment of the platform. `connect` answers a client for the environment's
 * namespace, or undefined when its cluster is not running (a read does not start one).
 */
export async function readAnchors(
  platform: LoadedPlatform,
  connect: (environment: string) => Promise<KubeClient | undefined>,
): Promise<AnchorsRead> {
  const out: AnchorsRead = { anchors: [], problems: [], unchecked: [] };
  const seen = new Set<string>();
  for (const env of platform.environments) {
    let client: KubeClient | undefined;
    try {
      client = await connect(env.name);
    } catch (e) {
      out.unchecked.push(`${env.name}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    if (!client) {
      out.unchecked.push(`${env.name}: its cluster is not running`);
      continue;
    }
    const where = `${client.server} ${client.target.namespace}`;
    if (seen.has(where)) continue;
    seen.add(where);
    const source = `the anchor in the cluster of ${env.name} (ConfigMap ${AUDIT_ANCHOR} in ${client.target.namespace})`;
    let cm: KubeObject | undefined;
    try {
      cm = await client.get('v1', 'ConfigMap', AUDIT_ANCHOR);
    } catch (e) {
      out.unchecked.push(`${env.name}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    if (!cm) continue;
    const data = anchorData(cm);
    if (data) out.anchors.push({ ...data, source });
    else out.problems.push(`${source} has no valid seq and hash: it was edited`);
  }
  return out;
}
