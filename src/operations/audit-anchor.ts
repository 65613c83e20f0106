// Every audit entry appended through an operation context is anchored in the cluster right after it
// is stored (promotion/audit-anchor.ts): the store is wrapped once, in operationContext, so no call
// site can forget it. The entry is already committed when the anchor is written, so a failed anchor
// write loses nothing but that anchor's protection; it is reported (once per environment) and the
// next write that reaches the cluster anchors the newer head, which vouches for this entry too.
import type { KubeClient } from '../kube/client.ts';
import { writeAnchor } from '../promotion/audit-anchor.ts';
import type { StateStore } from '../store/types.ts';

export interface AnchorAccess {
  /** A client for the environment's namespace; undefined when its cluster is not running. */
  connect(environment: string): Promise<KubeClient | undefined>;
  /** Where the entry has no environment: the platform's first one. */
  defaultEnvironment: string | undefined;
  report(line: string): void;
}

/** The store, with appendAudit anchoring the new head in the cluster of the entry's environment. */
export function anchorAuditWrites(store: StateStore, access: AnchorAccess): StateStore {
  const clients = new Map<string, Promise<KubeClient | undefined>>();
  const reported = new Set<string>();
  const appendAudit: StateStore['appendAudit'] = async (entry, hashOf) => {
    const record = await store.appendAudit(entry, hashOf);
    const environment = record.environment ?? access.defaultEnvironment;
    if (environment === undefined) return record;
    try {
      let client = clients.get(environment);
      if (!client) {
        client = access.connect(environment);
        clients.set(environment, client);
      }
      const c = await client;
      if (!c) throw new Error('its cluster is not running');
      await writeAnchor(c, { seq: record.seq, hash: record.hash, at: record.at });
    } catch (e) {
      clients.delete(environment);
      if (!reported.has(environment)) {
        reported.add(environment);
        access.report(
          `audit entry ${record.seq} is stored, but its anchor in the cluster of ${environment} was not written (${(e as Error).message.split('\n')[0]}); the next write that reaches the cluster anchors it`,
        );
      }
    }
    return record;
  };
  return new Proxy(store, {
    get(target, key) {
      if (key === 'appendAudit') return appendAudit;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
