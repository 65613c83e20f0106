// Live against desired, per object, the way `kubectl diff` does it: a server-side dry-run apply of each
// object compared with the live object (server defaults on both sides), plus the objects of the
// service that the manifests no longer contain (they would be pruned). Secret values are masked; those
// of a Secret rendered from references are not compared at all (diff never reads a secret source).
import { createTwoFilesPatch } from 'diff';
import type { KubeClient } from '../kube/client.ts';
import { toYaml } from '../render/index.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { type Ownership, objectKey, ownershipSelector, pruneKinds } from './plan.ts';
import { holdsReferences } from './secrets.ts';

export type ChangeAction = 'create' | 'update' | 'delete' | 'unchanged';

export interface ObjectChange {
  key: string;
  action: ChangeAction;
  /** Unified diff of live → desired (empty when unchanged). */
  diff: string;
}

/** What a diff shows for a value of a Secret rendered from references (live or desired). */
export const SECRET_NOT_COMPARED = '(from its source at deploy; not compared)';

const VOLATILE_ANNOTATIONS = [
  'deployment.kubernetes.io/revision',
  'kubectl.kubernetes.io/last-applied-configuration',
];

/** The object without what the server maintains (status, versions, managed fields); Secret data masked. Pure. */
export function comparable(o: KubeObject | undefined): KubeObject | undefined {
  if (!o) return undefined;
  const metadata = { ...o.metadata };
  for (const k of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'])
    delete metadata[k];
  if (metadata.annotations) {
    const a = { ...metadata.annotations };
    for (const k of VOLATILE_ANNOTATIONS) delete a[k];
    if (Object.keys(a).length) metadata.annotations = a;
    else delete metadata.annotations;
  }
  const out: KubeObject = { ...o, metadata };
  delete out.status;
  if (holdsReferences(o)) {
    // Rendered from references: desired holds placeholders, live the values. The name hashes the
    // references, so the same name means the same sources; the values are never read here.
    const keys = [o.data, o.stringData].flatMap((d) => Object.keys((d ?? {}) as object));
    delete out.stringData;
    out.data = Object.fromEntries([...new Set(keys)].sort().map((k) => [k, SECRET_NOT_COMPARED]));
  } else if (o.kind === 'Secret') {
    for (const field of ['data', 'stringData']) {
      const d = o[field] as Record<string, unknown> | undefined;
      if (d)
        out[field] = Object.fromEntries(Object.keys(d).map((k) => [k, `(${String(d[k]).length} bytes)`]));
    }
  }
  return out;
}

function unified(key: string, before: KubeObject | undefined, after: KubeObject | undefined): string {
  const a = before ? toYaml([before]) : '';
  const b = after ? toYaml([after]) : '';
  if (a === b) return '';
  return createTwoFilesPatch(`live/${key}`, `desired/${key}`, a, b, '', '', { context: 3 });
}

export async function diffManifests(
  client: KubeClient,
  manifests: readonly KubeObject[],
  namespace: string,
  _previous: readonly KubeObject[] = [],
  ownership?: Ownership,
): Promise<ObjectChange[]> {
  const changes = await Promise.all(
    manifests.map(async (m): Promise<ObjectChange> => {
      const key = objectKey(m, namespace);
      // A kind the cluster does not serve yet (a CRD that apply installs first, e.g. ExternalSecret on
      // the local cluster) has no live object: it is created.
      if (!(await client.hasKind(m.apiVersion, m.kind)))
        return { key, action: 'create', diff: unified(key, undefined, comparable(m)) };
      const live = await client.get(
        m.apiVersion,
        m.kind,
        m.metadata.name ?? '',
        m.metadata.namespace ?? namespace,
      );
      if (!live) return { key, action: 'create', diff: unified(key, undefined, comparable(m)) };
      const desired = await client.apply(m, { force: true, dryRun: true });
      const d = unified(key, comparable(live), comparable(desired));
      return { key, action: d ? 'update' : 'unchanged', diff: d };
    }),
  );
  if (ownership) {
    const keep = new Set(manifests.map((m) => objectKey(m, namespace)));
    for (const k of pruneKinds(manifests, _previous)) {
      if (!(await client.hasKind(k.apiVersion, k.kind))) continue;
      const live = await client.list(k.apiVersion, k.kind, {
        namespace,
        labelSelector: ownershipSelector(ownership),
      });
      for (const o of live) {
        const key = objectKey({ ...o, kind: k.kind }, namespace);
        if (!keep.has(key))
          changes.push({ key, action: 'delete', diff: unified(key, comparable(o), undefined) });
      }
    }
  }
  return changes;
}

export function summarizeChanges(changes: readonly ObjectChange[]): string {
  const count = (a: ChangeAction) => changes.filter((c) => c.action === a).length;
  const parts = (['create', 'update', 'delete', 'unchanged'] as const)
    .filter((a) => count(a) > 0)
    .map(
      (a) =>
        `${count(a)} ${a === 'create' ? 'to create' : a === 'update' ? 'to update' : a === 'delete' ? 'to delete' : 'unchanged'}`,
    );
  return parts.join(', ') || 'no objects';
}
