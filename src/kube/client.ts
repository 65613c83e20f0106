// The one adapter to a Kubernetes API. Everything else in slipway reads and writes the cluster
// through KubeClient: server-side apply, get, list, delete, create/replace/patch, watch, prune.
// Requests are retried with back-off on throttling, server errors and broken connections, and every
// failure becomes a SlipwayError that names the operation, the object and the server.
import { SlipwayError } from '../shared/errors.ts';
import type { KubeList, KubeObject, WatchEvent } from '../shared/kube-types.ts';
import { KubeHttpError, type KubeOperation, toKubeError } from './errors.ts';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from './retry.ts';
import { createTransport, loadKubeconfig, type RequestSpec, type Transport } from './transport.ts';
import { startWatch, type WatchOptions } from './watch.ts';

export interface KubeTarget {
  kubeconfigPath?: string;
  context?: string;
  /** The cluster this process runs in, through its pod's ServiceAccount (no kubeconfig). */
  inCluster?: boolean;
  /** The default namespace for namespaced objects that do not name one. */
  namespace: string;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export interface KubeClient {
  readonly target: KubeTarget;
  readonly server: string;
  /** Server-side apply with field manager `slipway`; answers the object as stored. */
  apply(obj: KubeObject, o?: { force?: boolean; dryRun?: boolean }): Promise<KubeObject>;
  get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined>;
  /** In the target namespace unless `namespace` names another; `namespace: ''` lists all namespaces. */
  list(
    apiVersion: string,
    kind: string,
    o?: { namespace?: string; labelSelector?: string; fieldSelector?: string },
  ): Promise<KubeObject[]>;
  /** Like list, with the list's resourceVersion (to start a watch from). */
  listWithVersion(
    apiVersion: string,
    kind: string,
    o?: { namespace?: string; labelSelector?: string; fieldSelector?: string },
  ): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** False when there was nothing to delete. */
  delete(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
    o?: { propagationPolicy?: string },
  ): Promise<boolean>;
  /** Fails with `conflict` (data.reason AlreadyExists) when the name is taken. */
  create(obj: KubeObject, o?: { dryRun?: boolean }): Promise<KubeObject>;
  /** PUT; with metadata.resourceVersion set it fails with `conflict` when the object changed meanwhile. */
  replace(obj: KubeObject): Promise<KubeObject>;
  patch(
    apiVersion: string,
    kind: string,
    name: string,
    patch: unknown,
    o?: { namespace?: string; type?: PatchType; subresource?: string },
  ): Promise<KubeObject>;
  /** Lists first (ADDED for each object), then streams changes; resumes or re-lists when the watch drops. */
  watch(
    apiVersion: string,
    kind: string,
    o: WatchOptions,
    onEvent: (e: WatchEvent) => void,
  ): Promise<{ stop(): void }>;
  ensureNamespace(name: string): Promise<void>;
  /** Deletes objects carrying `labelSelector` that are not in `keep` ("Kind/ns/name"); answers what it deleted. */
  prune(o: {
    labelSelector: string;
    keep: ReadonlySet<string>;
    kinds: Array<{ apiVersion: string; kind: string }>;
    namespace?: string;
  }): Promise<string[]>;
  /** Whether the cluster serves this kind (e.g. VirtualService only with Istio's CRDs). */
  hasKind(apiVersion: string, kind: string): Promise<boolean>;
}

export const FIELD_MANAGER = 'slipway';

interface ResourceInfo {
  plural: string;
  namespaced: boolean;
}

export async function connect(target: KubeTarget, o: { retry?: RetryPolicy } = {}): Promise<KubeClient> {
  const kc = await loadKubeconfig(target);
  return createClient(createTransport(kc), target, o.retry ?? DEFAULT_RETRY);
}

export function createClient(
  transport: Transport,
  target: KubeTarget,
  policy: RetryPolicy = DEFAULT_RETRY,
): KubeClient {
  const server = transport.server;
  const discovery = new Map<string, Map<string, ResourceInfo> | null>();

  const op = (verb: string, what: string): KubeOperation => ({
    verb,
    what,
    server,
    context: transport.context,
  });

  async function call(spec: RequestSpec, operation: KubeOperation, conflictRetry = false): Promise<unknown> {
    try {
      const answer = await withRetry(() => transport.send(spec), {
        conflictRetry,
        idempotent: spec.method !== 'POST',
        policy,
      });
      return answer.text ? JSON.parse(answer.text) : undefined;
    } catch (e) {
      throw toKubeError(e, operation);
    }
  }

  async function groupVersion(
    apiVersion: string,
    refresh: boolean,
  ): Promise<Map<string, ResourceInfo> | null> {
    if (!refresh && discovery.has(apiVersion)) return discovery.get(apiVersion) ?? null;
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let kinds: Map<string, ResourceInfo> | null = null;
    try {
      const list = (await call({ method: 'GET', path }, op('discover', apiVersion))) as {
        resources?: Array<{ name: string; kind: string; namespaced: boolean }>;
      };
      kinds = new Map();
      for (const r of list.resources ?? [])
        if (!r.name.includes('/')) kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced });
    } catch (e) {
      if (!(e instanceof SlipwayError && e.type === 'notFound')) throw e;
    }
    discovery.set(apiVersion, kinds);
    return kinds;
  }

  async function resourceOf(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    let kinds = await groupVersion(apiVersion, false);
    if (!kinds?.has(kind)) kinds = await groupVersion(apiVersion, true); // a CRD may have just arrived
    return kinds?.get(kind);
  }

  async function requireResource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const r = await resourceOf(apiVersion, kind);
    if (r) return r;
    throw new SlipwayError('notFound', `the cluster at ${server} does not serve ${kind} in ${apiVersion}`, {
      hint: 'Install the CustomResourceDefinition that provides it (e.g. Istio, Gateway API), or check apiVersion and kind.',
      data: { unknownKind: true, apiVersion, kind },
    });
  }

  function collectionPath(apiVersion: string, r: ResourceInfo, namespace: string | undefined): string {
    const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${root}${ns}/${r.plural}`;
  }

  async function objectPath(apiVersion: string, kind: string, name: string, namespace: string | undefined) {
    const r = await requireResource(apiVersion, kind);
    const ns = r.namespaced ? (namespace ?? target.namespace) : undefined;
    return { path: `${collectionPath(apiVersion, r, ns)}/${encodeURIComponent(name)}`, ns, r };
  }

  const ref = (kind: string, name: string, ns: string | undefined) => `${kind}/${ns ? `${ns}/` : ''}${name}`;

  /** The object with the client's namespace filled in when its kind is namespaced. */
  async function placed(
    obj: KubeObject,
  ): Promise<{ obj: KubeObject; r: ResourceInfo; ns: string | undefined }> {
    if (!obj.metadata?.name && !obj.metadata?.generateName)
      throw new SlipwayError('manifest', `${obj.kind} has no metadata.name`);
    const r = await requireResource(obj.apiVersion, obj.kind);
    const ns = r.namespaced ? (obj.metadata.namespace ?? target.namespace) : undefined;
    const metadata = { ...obj.metadata };
    delete metadata.managedFields;
    if (ns) metadata.namespace = ns;
    else delete metadata.namespace;
    return { obj: { ...obj, metadata }, r, ns };
  }

  async function listWithVersion(
    apiVersion: string,
    kind: string,
    o: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ) {
    const r = await requireResource(apiVersion, kind);
    const ns = r.namespaced ? (o.namespace ?? target.namespace) : undefined;
    const path = collectionPath(apiVersion, r, ns);
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    const itemKind = kind;
    do {
      const page = (await call(
        {
          method: 'GET',
          path,
          query: {
            labelSelector: o.labelSelector,
            fieldSelector: o.fieldSelector,
            limit: 500,
            continue: cont,
          },
        },
        op('list', `${kind} objects${ns ? ` in namespace ${ns}` : ''}`),
      )) as KubeList;
      // List items come without apiVersion/kind; put them back so every object is self-describing.
      for (const it of page.items ?? []) items.push({ ...it, apiVersion, kind: itemKind });
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  const client: KubeClient = {
    target,
    server,

    async apply(input, o = {}) {
      const { obj, r, ns } = await placed(input);
      const name = obj.metadata.name as string;
      return (await call(
        {
          method: 'PATCH',
          path: `${collectionPath(obj.apiVersion, r, ns)}/${encodeURIComponent(name)}`,
          query: {
            fieldManager: FIELD_MANAGER,
            force: o.force ? true : undefined,
            dryRun: o.dryRun ? 'All' : undefined,
          },
          body: obj,
          contentType: 'application/apply-patch+yaml',
        },
        op('apply', ref(obj.kind, name, ns)),
        true,
      )) as KubeObject;
    },

    async get(apiVersion, kind, name, namespace) {
      const { path, ns } = await objectPath(apiVersion, kind, name, namespace);
      try {
        return (await call({ method: 'GET', path }, op('get', ref(kind, name, ns)))) as KubeObject;
      } catch (e) {
        if (e instanceof SlipwayError && e.type === 'notFound') return undefined;
        throw e;
      }
    },

    async list(apiVersion, kind, o = {}) {
      return (await listWithVersion(apiVersion, kind, o)).items;
    },

    listWithVersion,

    async delete(apiVersion, kind, name, namespace, o = {}) {
      const { path, ns } = await objectPath(apiVersion, kind, name, namespace);
      const policy = o.propagationPolicy ?? 'Background';
      try {
        await call(
          {
            method: 'DELETE',
            path,
            query: { propagationPolicy: policy },
            body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: policy },
          },
          op('delete', ref(kind, name, ns)),
        );
        return true;
      } catch (e) {
        if (e instanceof SlipwayError && e.type === 'notFound') return false;
        throw e;
      }
    },

    async create(input, o = {}) {
      const { obj, r, ns } = await placed(input);
      return (await call(
        {
          method: 'POST',
          path: collectionPath(obj.apiVersion, r, ns),
          query: { fieldManager: FIELD_MANAGER, dryRun: o.dryRun ? 'All' : undefined },
          body: obj,
        },
        op('create', ref(obj.kind, obj.metadata.name ?? `${obj.metadata.generateName}*`, ns)),
      )) as KubeObject;
    },

    async replace(input) {
      const { obj, r, ns } = await placed(input);
      const name = obj.metadata.name as string;
      return (await call(
        {
          method: 'PUT',
          path: `${collectionPath(obj.apiVersion, r, ns)}/${encodeURIComponent(name)}`,
          query: { fieldManager: FIELD_MANAGER },
          body: obj,
        },
        op('update', ref(obj.kind, name, ns)),
      )) as KubeObject;
    },

    async patch(apiVersion, kind, name, patch, o = {}) {
      const { path, ns } = await objectPath(apiVersion, kind, name, o.namespace);
      const type = o.type ?? 'merge';
      const contentType =
        type === 'json'
          ? 'application/json-patch+json'
          : type === 'strategic'
            ? 'application/strategic-merge-patch+json'
            : 'application/merge-patch+json';
      return (await call(
        {
          method: 'PATCH',
          path: o.subresource ? `${path}/${o.subresource}` : path,
          query: { fieldManager: FIELD_MANAGER },
          body: patch,
          contentType,
        },
        op('patch', ref(kind, name, ns)),
        type !== 'json',
      )) as KubeObject;
    },

    async watch(apiVersion, kind, o, onEvent) {
      const r = await requireResource(apiVersion, kind);
      const ns = r.namespaced ? (o.namespace ?? target.namespace) : undefined;
      const path = collectionPath(apiVersion, r, ns);
      return startWatch(
        {
          list: () => listWithVersion(apiVersion, kind, { ...o, ...(ns ? { namespace: ns } : {}) }),
          stream: (query, onLine, signal) =>
            transport.stream(
              path,
              { ...query, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector },
              onLine,
              signal,
            ),
          describe: (e) => toKubeError(e, op('watch', `${kind} objects${ns ? ` in namespace ${ns}` : ''}`)),
          apiVersion,
          kind,
        },
        o,
        onEvent,
      );
    },

    async ensureNamespace(name) {
      try {
        if (await client.get('v1', 'Namespace', name)) return;
      } catch (e) {
        // Users confined to their namespace often may not read Namespace objects: assume it exists
        // and let the first write say otherwise.
        if (e instanceof SlipwayError && e.type === 'forbidden') return;
        throw e;
      }
      try {
        await client.create({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'slipway' } },
        });
      } catch (e) {
        if (!(e instanceof SlipwayError && e.type === 'conflict')) throw e; // created meanwhile: fine
      }
    },

    async prune(o) {
      const deleted: string[] = [];
      for (const k of o.kinds) {
        const r = await resourceOf(k.apiVersion, k.kind);
        if (!r) continue; // the cluster cannot hold any
        // A cluster-scoped object (a ClusterRole) is kept by kind and name, whatever namespace the
        // caller's key gave it.
        const clusterKept = new Set(
          [...o.keep].filter((x) => x.startsWith(`${k.kind}/`)).map((x) => x.slice(x.lastIndexOf('/') + 1)),
        );
        const items = await client.list(k.apiVersion, k.kind, {
          labelSelector: o.labelSelector,
          ...(o.namespace ? { namespace: o.namespace } : {}),
        });
        for (const it of items) {
          const key = ref(k.kind, it.metadata.name ?? '', it.metadata.namespace);
          const kept = r.namespaced ? o.keep.has(key) : clusterKept.has(it.metadata.name ?? '');
          if (kept || it.metadata.deletionTimestamp) continue;
          if (await client.delete(k.apiVersion, k.kind, it.metadata.name ?? '', it.metadata.namespace))
            deleted.push(key);
        }
      }
      return deleted;
    },

    async hasKind(apiVersion, kind) {
      return (await resourceOf(apiVersion, kind)) !== undefined;
    },
  };
  return client;
}

export { KubeHttpError };
