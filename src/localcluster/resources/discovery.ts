// Discovery documents (legacy and aggregated v2) and the minimal OpenAPI v3 documents kubectl needs
// to validate (PATCH operations with x-kubernetes-group-version-kind and a fieldValidation param).
import type { ResourceInfo } from './builtin.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  log: ['get'],
};

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: 'slipway-localcluster',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Group → version → resources, core group first, groups and versions in first-seen order. */
function byGroup(types: ResourceInfo[]): Map<string, Map<string, ResourceInfo[]>> {
  const out = new Map<string, Map<string, ResourceInfo[]>>();
  for (const t of types) {
    let g = out.get(t.group);
    if (!g) {
      g = new Map();
      out.set(t.group, g);
    }
    let v = g.get(t.version);
    if (!v) {
      v = [];
      g.set(t.version, v);
    }
    v.push(t);
  }
  return out;
}

function subKind(t: ResourceInfo, sub: string): { group: string; version: string; kind: string } {
  if (sub === 'scale') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  if (sub === 'log') return { group: '', version: 'v1', kind: 'Pod' };
  return { group: t.group, version: t.version, kind: t.kind };
}

export function aggregatedDiscovery(types: ResourceInfo[], legacy: boolean): Record<string, unknown> {
  const items: unknown[] = [];
  for (const [group, versions] of byGroup(types)) {
    if ((group === '') !== legacy) continue;
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: [...versions].map(([version, rs]) => ({
        version,
        freshness: 'Current',
        resources: rs.map((t) => {
          const res: Record<string, unknown> = {
            resource: t.plural,
            responseKind: { group: t.group, version: t.version, kind: t.kind },
            scope: t.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: t.singular,
            verbs: VERBS,
          };
          if (t.shortNames?.length) res.shortNames = t.shortNames;
          if (t.categories?.length) res.categories = t.categories;
          if (t.subresources.length) {
            res.subresources = t.subresources.map((s) => ({
              subresource: s,
              responseKind: subKind(t, s),
              verbs: SUB_VERBS[s],
            }));
          }
          return res;
        }),
      })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

export function apiVersions(host: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }],
  };
}

export function apiGroupList(types: ResourceInfo[]): Record<string, unknown> {
  const groups: unknown[] = [];
  for (const [group, versions] of byGroup(types)) {
    if (group === '') continue;
    const vs = [...versions.keys()].map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
    groups.push({ name: group, versions: vs, preferredVersion: vs[0] });
  }
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(types: ResourceInfo[], group: string): Record<string, unknown> | undefined {
  const versions = byGroup(types).get(group);
  if (!versions || group === '') return undefined;
  const vs = [...versions.keys()].map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: vs, preferredVersion: vs[0] };
}

export function resourceList(
  types: ResourceInfo[],
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const rs = byGroup(types).get(group)?.get(version);
  if (!rs) return undefined;
  const resources: unknown[] = [];
  for (const t of rs) {
    const main: Record<string, unknown> = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
    };
    if (t.shortNames?.length) main.shortNames = t.shortNames;
    if (t.categories?.length) main.categories = t.categories;
    resources.push(main);
    for (const s of t.subresources) {
      const sk = subKind(t, s);
      const sub: Record<string, unknown> = {
        name: `${t.plural}/${s}`,
        singularName: '',
        namespaced: t.namespaced,
      };
      if (s === 'scale') Object.assign(sub, { group: sk.group, version: sk.version });
      sub.kind = sk.kind;
      sub.verbs = SUB_VERBS[s];
      resources.push(sub);
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

export function openapiRoot(types: ResourceInfo[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const [group, versions] of byGroup(types)) {
    for (const v of versions.keys()) {
      const gv = group ? `apis/${group}/${v}` : `api/${v}`;
      const hash = hashOf(versions.get(v) ?? []);
      paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
    }
  }
  return { paths };
}

function hashOf(rs: ResourceInfo[]): string {
  let h = 0;
  for (const c of rs.map((r) => `${r.kind}/${r.plural}`).join(',')) h = (h * 31 + c.charCodeAt(0)) | 0;
  return (h >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

export function openapiGroupVersion(
  types: ResourceInfo[],
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const rs = byGroup(types).get(group)?.get(version);
  if (!rs) return undefined;
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Record<string, unknown> = {};
  for (const t of rs) {
    const path = t.namespaced
      ? `${prefix}/namespaces/{namespace}/${t.plural}/{name}`
      : `${prefix}/${t.plural}/{name}`;
    paths[path] = {
      patch: {
        operationId: `patch${t.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
        parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
  };
}
