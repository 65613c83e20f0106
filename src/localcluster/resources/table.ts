// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for, with the columns Kubernetes'
// printers produce for each kind (priority 1 columns are the `-o wide` ones).
import type { KubeObject } from '../../shared/kube-types.ts';

type Obj = Record<string, unknown>;
type Cell = string | number;
interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  cell: (o: KubeObject, now: number) => Cell;
}

const o = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** apimachinery's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (h < 24 * 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', cell: (x) => x.metadata.name ?? '' };
const AGE: Column = {
  name: 'Age',
  type: 'string',
  cell: (x, now) =>
    x.metadata.creationTimestamp
      ? humanDuration(now - Date.parse(x.metadata.creationTimestamp))
      : '<unknown>',
};

function containers(x: KubeObject): Obj[] {
  return arr(o(o(o(x.spec).template).spec).containers);
}

function podStatus(p: KubeObject): string {
  const st = o(p.status);
  let reason = String(st.reason ?? st.phase ?? 'Unknown');
  for (const cs of arr(st.containerStatuses)) {
    const state = o(cs.state);
    const waiting = o(state.waiting);
    const term = o(state.terminated);
    if (waiting.reason) reason = String(waiting.reason);
    else if (term.reason) reason = String(term.reason);
    else if (state.terminated) reason = `ExitCode:${term.exitCode}`;
  }
  if (p.metadata.deletionTimestamp) reason = 'Terminating';
  return reason;
}

function servicePorts(s: KubeObject): string {
  const ports = arr(o(s.spec).ports).map((p) => {
    const proto = String(p.protocol ?? 'TCP');
    return p.nodePort ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
  });
  return ports.length ? ports.join(',') : '<none>';
}

function externalIp(s: KubeObject): string {
  const spec = o(s.spec);
  const ext = Array.isArray(spec.externalIPs) ? (spec.externalIPs as string[]) : [];
  if (spec.type === 'LoadBalancer') {
    const ing = arr(o(o(s.status).loadBalancer).ingress).map((i) => String(i.ip ?? i.hostname ?? ''));
    const all = [...ing, ...ext];
    return all.length ? all.join(',') : '<pending>';
  }
  if (spec.type === 'ExternalName') return String(spec.externalName ?? '<none>');
  return ext.length ? ext.join(',') : '<none>';
}

/** The `-o wide` columns every workload shows: its pod template's containers and images. */
const WORKLOAD_WIDE: Column[] = [
  {
    name: 'Containers',
    type: 'string',
    priority: 1,
    cell: (d) =>
      containers(d)
        .map((c) => c.name)
        .join(','),
  },
  {
    name: 'Images',
    type: 'string',
    priority: 1,
    cell: (d) =>
      containers(d)
        .map((c) => c.image)
        .join(','),
  },
];

const COLUMNS: Record<string, Column[]> = {
  '/Pod': [
    NAME,
    {
      name: 'Ready',
      type: 'string',
      cell: (p) => {
        const total = arr(o(p.spec).containers).length;
        const ready = arr(o(p.status).containerStatuses).filter((c) => c.ready === true).length;
        return `${ready}/${total}`;
      },
    },
    { name: 'Status', type: 'string', cell: podStatus },
    {
      name: 'Restarts',
      type: 'string',
      cell: (p) => String(arr(o(p.status).containerStatuses).reduce((n, c) => n + num(c.restartCount), 0)),
    },
    AGE,
    { name: 'IP', type: 'string', priority: 1, cell: (p) => String(o(p.status).podIP ?? '<none>') },
    { name: 'Node', type: 'string', priority: 1, cell: (p) => String(o(p.spec).nodeName ?? '<none>') },
  ],
  'apps/Deployment': [
    NAME,
    {
      name: 'Ready',
      type: 'string',
      cell: (d) => `${num(o(d.status).readyReplicas)}/${num(o(d.spec).replicas)}`,
    },
    { name: 'Up-to-date', type: 'integer', cell: (d) => num(o(d.status).updatedReplicas) },
    { name: 'Available', type: 'integer', cell: (d) => num(o(d.status).availableReplicas) },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  'apps/ReplicaSet': [
    NAME,
    { name: 'Desired', type: 'integer', cell: (r) => num(o(r.spec).replicas) },
    { name: 'Current', type: 'integer', cell: (r) => num(o(r.status).replicas) },
    { name: 'Ready', type: 'integer', cell: (r) => num(o(r.status).readyReplicas) },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  '/Service': [
    NAME,
    { name: 'Type', type: 'string', cell: (s) => String(o(s.spec).type ?? 'ClusterIP') },
    { name: 'Cluster-IP', type: 'string', cell: (s) => String(o(s.spec).clusterIP ?? '<none>') },
    { name: 'External-IP', type: 'string', cell: externalIp },
    { name: 'Port(s)', type: 'string', cell: servicePorts },
    AGE,
  ],
  '/Namespace': [NAME, { name: 'Status', type: 'string', cell: (n) => String(o(n.status).phase ?? '') }, AGE],
  '/ConfigMap': [
    NAME,
    {
      name: 'Data',
      type: 'integer',
      cell: (c) => Object.keys(o(c.data)).length + Object.keys(o(c.binaryData)).length,
    },
    AGE,
  ],
  '/Secret': [
    NAME,
    { name: 'Type', type: 'string', cell: (s) => String(s.type ?? 'Opaque') },
    { name: 'Data', type: 'integer', cell: (s) => Object.keys(o(s.data)).length },
    AGE,
  ],
  '/Endpoints': [
    NAME,
    {
      name: 'Endpoints',
      type: 'string',
      cell: (e) => {
        const eps = arr(e.subsets).flatMap((s) =>
          arr(s.addresses).flatMap((a) => {
            const ports = arr(s.ports);
            return ports.length ? ports.map((p) => `${a.ip}:${p.port}`) : [String(a.ip)];
          }),
        );
        if (!eps.length) return '<none>';
        return eps.length > 3 ? `${eps.slice(0, 3).join(',')} + ${eps.length - 3} more...` : eps.join(',');
      },
    },
    AGE,
  ],
  'autoscaling/HorizontalPodAutoscaler': [
    NAME,
    {
      name: 'Reference',
      type: 'string',
      cell: (h) => `${o(o(h.spec).scaleTargetRef).kind}/${o(o(h.spec).scaleTargetRef).name}`,
    },
    { name: 'MinPods', type: 'string', cell: (h) => String(o(h.spec).minReplicas ?? 1) },
    { name: 'MaxPods', type: 'integer', cell: (h) => num(o(h.spec).maxReplicas) },
    { name: 'Replicas', type: 'integer', cell: (h) => num(o(h.status).currentReplicas) },
    AGE,
  ],
  'batch/Job': [
    NAME,
    {
      name: 'Status',
      type: 'string',
      cell: (j) => {
        const conds = arr(o(j.status).conditions).filter((c) => c.status === 'True');
        if (conds.some((c) => c.type === 'Complete')) return 'Complete';
        if (conds.some((c) => c.type === 'Failed')) return 'Failed';
        return 'Running';
      },
    },
    {
      name: 'Completions',
      type: 'string',
      cell: (j) => `${num(o(j.status).succeeded)}/${num(o(j.spec).completions) || 1}`,
    },
    AGE,
  ],
};

const DESCRIPTIONS: Record<string, string> = {
  Name: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  Age: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

function columnsFor(group: string, kind: string): Column[] {
  return COLUMNS[`${group}/${kind}`] ?? [NAME, AGE];
}

export interface TableOptions {
  /** `Object` embeds the full object in each row; default `Metadata` (PartialObjectMetadata). */
  includeObject?: string;
  /** Watch events leave out the column definitions after the first. */
  noHeaders?: boolean;
  now?: number;
}

export function toTable(
  group: string,
  kind: string,
  items: KubeObject[],
  listMeta: { resourceVersion?: string; continue?: string },
  opts: TableOptions = {},
): Record<string, unknown> {
  const cols = columnsFor(group, kind);
  const now = opts.now ?? Date.now();
  const metadata: Obj = { resourceVersion: listMeta.resourceVersion ?? '' };
  if (listMeta.continue) metadata.continue = listMeta.continue;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders
      ? []
      : cols.map((c) => ({
          name: c.name,
          type: c.type,
          format: c.format ?? '',
          description: DESCRIPTIONS[c.name] ?? c.name,
          priority: c.priority ?? 0,
        })),
    rows: items.map((item) => ({
      cells: cols.map((c) => c.cell(item, now)),
      object:
        opts.includeObject === 'Object'
          ? item
          : opts.includeObject === 'None'
            ? null
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata },
    })),
  };
}
