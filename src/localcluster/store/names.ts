// Object name rules and immutable fields the Kubernetes API server enforces (422 Invalid).
import type { KubeObject } from '../../shared/kube-types.ts';
import { invalid } from './errors.ts';
import type { ResourceType } from './types.ts';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kinds whose names must be DNS-1123 labels (they become DNS names or path segments). */
const LABEL_KINDS = new Set(['/Namespace', '/Service']);

export function checkName(t: ResourceType, name: string): void {
  if (LABEL_KINDS.has(`${t.group}/${t.kind}`)) {
    if (name.length > 63 || !LABEL.test(name)) {
      throw invalid(t.group, t.kind, name, [
        {
          field: 'metadata.name',
          message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
        },
      ]);
    }
    return;
  }
  if (name.length > 253 || !SUBDOMAIN.test(name)) {
    throw invalid(t.group, t.kind, name, [
      {
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      },
    ]);
  }
}

/** spec.selector of workloads cannot change after creation. */
export function checkImmutable(t: ResourceType, prev: KubeObject, next: KubeObject): void {
  const immutable =
    (t.group === 'apps' && (t.kind === 'Deployment' || t.kind === 'ReplicaSet')) ||
    (t.group === 'batch' && t.kind === 'Job');
  if (!immutable) return;
  const before = JSON.stringify((prev.spec as { selector?: unknown } | undefined)?.selector ?? null);
  const after = (next.spec as { selector?: unknown } | undefined)?.selector;
  if (after !== undefined && JSON.stringify(after) !== before) {
    throw invalid(t.group, t.kind, next.metadata.name ?? '', [
      { field: 'spec.selector', message: `Invalid value: ${JSON.stringify(after)}: field is immutable` },
    ]);
  }
}

export function requireName(t: ResourceType, obj: KubeObject): string {
  const name = obj.metadata?.name;
  if (!name) {
    throw invalid(t.group, t.kind, '', [
      { field: 'metadata.name', message: 'Required value: name or generateName is required' },
    ]);
  }
  return name;
}
