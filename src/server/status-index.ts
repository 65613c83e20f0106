// What the status cache knows of one environment, fed by watch events and read without I/O: each
// service's release records (slimmed to what a status needs), its lock Lease and its Deployments.
// A status is built on read (release/inspect.ts buildServiceStatus, as `slipway status` builds it), so
// a lock's expiry is judged at the time of the request, not at the time of the event.

import { decodeRelease, isReleaseSecret } from '../release/history.ts';
import {
  buildServiceStatus,
  type ServiceStatus,
  type StatusRecord,
  statusWorkloads,
} from '../release/inspect.ts';
import { lockInfo, lockName } from '../release/lock.ts';
import { workloadsOf } from '../release/plan.ts';
import type { KubeObject, WatchEventType } from '../shared/kube-types.ts';
import { LABELS } from '../shared/kube-types.ts';

export class StatusIndex {
  /** Per service: its records by Secret name. */
  private readonly records = new Map<string, Map<string, StatusRecord>>();
  /** Per service: the names of its history Secrets that do not decode. */
  private readonly unreadable = new Map<string, Set<string>>();
  private readonly leases = new Map<string, KubeObject>();
  private readonly deployments = new Map<string, KubeObject>();
  /** Sorted records per service, rebuilt on the first read after a change. */
  private readonly sorted = new Map<string, StatusRecord[]>();

  constructor(readonly environment: string) {}

  /** A history Secret (any service of this platform and environment) was added, changed or deleted. */
  secret(type: WatchEventType, s: KubeObject): void {
    const name = s.metadata.name ?? '';
    const service = s.metadata.labels?.[LABELS.service];
    if (!service || !isReleaseSecret(s)) return;
    this.sorted.delete(service);
    const records = this.mapOf(this.records, service, () => new Map<string, StatusRecord>());
    const broken = this.mapOf(this.unreadable, service, () => new Set<string>());
    records.delete(name);
    broken.delete(name);
    if (type === 'DELETED') return;
    try {
      const r = decodeRelease(s);
      if (r.service !== service) return;
      records.set(name, {
        revision: r.revision,
        status: r.status,
        version: r.version,
        startedAt: r.startedAt,
        ...(r.endedAt ? { endedAt: r.endedAt } : {}),
        ...(r.failure ? { failure: r.failure } : {}),
        // Only the workloads: their names and pod templates are all a status reads.
        manifests: workloadsOf(r.manifests),
      });
    } catch {
      broken.add(name);
    }
  }

  lease(type: WatchEventType, lease: KubeObject): void {
    const name = lease.metadata.name ?? '';
    if (type === 'DELETED') this.leases.delete(name);
    else this.leases.set(name, lease);
  }

  deployment(type: WatchEventType, d: KubeObject): void {
    const name = d.metadata.name ?? '';
    if (type === 'DELETED') this.deployments.delete(name);
    else this.deployments.set(name, d);
  }

  /**
   * The status of each service, in order; undefined when one of them has an unreadable record (the
   * caller reads the cluster instead, which reports that record as `slipway status` does).
   */
  statuses(services: readonly string[], now: Date = new Date()): ServiceStatus[] | undefined {
    const out: ServiceStatus[] = [];
    for (const service of services) {
      if (this.unreadable.get(service)?.size) return undefined;
      const records = this.recordsOf(service);
      const lease = this.leases.get(lockName(service));
      out.push(
        buildServiceStatus({
          service,
          environment: this.environment,
          records,
          lock: lease ? lockInfo(lease, now) : undefined,
          live: statusWorkloads(records).map((w) => this.deployments.get(w.metadata.name ?? '')),
        }),
      );
    }
    return out;
  }

  private recordsOf(service: string): StatusRecord[] {
    let sorted = this.sorted.get(service);
    if (!sorted) {
      sorted = [...(this.records.get(service)?.values() ?? [])].sort((a, b) => b.revision - a.revision);
      this.sorted.set(service, sorted);
    }
    return sorted;
  }

  private mapOf<K, V>(m: Map<K, V>, k: K, make: () => V): V {
    let v = m.get(k);
    if (v === undefined) {
      v = make();
      m.set(k, v);
    }
    return v;
  }
}
