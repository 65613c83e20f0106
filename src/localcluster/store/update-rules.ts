// What a write of the main resource may change, as the registry strategies decide: server-owned
// metadata is kept, status is kept for kinds with a /status subresource, defaults are applied,
// immutable fields are checked; and the status the CRD registry sets once names are accepted.
import type { KubeObject } from '../../shared/kube-types.ts';
import { applyDefaults } from '../resources/defaults.ts';
import { checkImmutable } from './names.ts';
import type { ResourceType } from './types.ts';

const clone = <T>(v: T): T => structuredClone(v);

export function prepareReplacement(
  t: ResourceType,
  prev: KubeObject,
  input: KubeObject,
  hasStatus: boolean,
  ns: string,
): KubeObject {
  const next = clone(input);
  next.metadata = { ...clone(input.metadata) };
  if (hasStatus) {
    if (prev.status === undefined) delete next.status;
    else next.status = clone(prev.status);
  }
  // Server-owned metadata cannot be changed by a client.
  next.metadata.uid = prev.metadata.uid as string;
  next.metadata.creationTimestamp = prev.metadata.creationTimestamp as string;
  if (prev.metadata.deletionTimestamp) {
    next.metadata.deletionTimestamp = prev.metadata.deletionTimestamp;
    next.metadata.deletionGracePeriodSeconds = prev.metadata.deletionGracePeriodSeconds ?? 0;
  } else {
    delete next.metadata.deletionTimestamp;
    delete next.metadata.deletionGracePeriodSeconds;
  }
  // Ownership lives beside the object (the API layer reads and renders it).
  delete next.metadata.managedFields;
  if (t.namespaced) next.metadata.namespace = ns;
  else delete next.metadata.namespace;
  checkImmutable(t, prev, next);
  applyDefaults(t.group, t.kind, next, false);
  if (t.group === '' && t.kind === 'Service') {
    const ps = prev.spec as Record<string, unknown> | undefined;
    const s = next.spec as Record<string, unknown> | undefined;
    if (s && ps && (s.clusterIP === undefined || s.clusterIP === '')) {
      s.clusterIP = ps.clusterIP;
      s.clusterIPs = ps.clusterIPs;
    }
  }
  return next;
}

export function markCrdEstablished(crd: KubeObject): void {
  const spec = (crd.spec ?? {}) as Record<string, unknown>;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  crd.status = {
    acceptedNames: spec.names ?? {},
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: now,
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: now,
      },
    ],
    storedVersions: ((spec.versions ?? []) as Array<Record<string, unknown>>)
      .filter((v) => v.storage)
      .map((v) => v.name),
  };
}
