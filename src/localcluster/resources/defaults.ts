// The few defaults and server-set fields Kubernetes fills in that clients (kubectl get, rollout
// status, the controllers) rely on. Mutates the object in place; called on create and update.
import type { KubeObject } from '../../shared/kube-types.ts';

type Obj = Record<string, unknown>;

function obj(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Obj;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

let nextIp = 1;

/** Allocates ClusterIPs from 10.96.0.0/16 in order (10.96.0.1 is the kubernetes Service in k8s). */
function allocateClusterIp(): string {
  nextIp++;
  return `10.96.${(nextIp >> 8) & 255}.${nextIp & 255}`;
}

/** Pod spec defaults as the API server fills them in (those kubectl describe and diff show). */
function defaultPodSpec(spec: Obj): void {
  if (spec.restartPolicy === undefined) spec.restartPolicy = 'Always';
  if (spec.dnsPolicy === undefined) spec.dnsPolicy = 'ClusterFirst';
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = 30;
  if (spec.schedulerName === undefined) spec.schedulerName = 'default-scheduler';
  for (const list of ['containers', 'initContainers']) {
    const cs = spec[list];
    if (!Array.isArray(cs)) continue;
    for (const c of cs as Obj[]) {
      if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
        const tag = /:([^:/@]+)$/.exec(c.image)?.[1];
        c.imagePullPolicy =
          c.image.includes('@') || (tag !== undefined && tag !== 'latest') ? 'IfNotPresent' : 'Always';
      }
      if (c.terminationMessagePath === undefined) c.terminationMessagePath = '/dev/termination-log';
      if (c.terminationMessagePolicy === undefined) c.terminationMessagePolicy = 'File';
      if (Array.isArray(c.ports))
        for (const p of c.ports as Obj[]) if (p.protocol === undefined) p.protocol = 'TCP';
    }
  }
}

export function applyDefaults(group: string, kind: string, o: KubeObject, isCreate: boolean): void {
  const spec = o.spec && typeof o.spec === 'object' ? (o.spec as Obj) : undefined;
  if (spec && group === '' && kind === 'Pod') defaultPodSpec(spec);
  const template = spec?.template && typeof spec.template === 'object' ? (spec.template as Obj) : undefined;
  if (template?.spec && typeof template.spec === 'object' && ['apps', 'batch'].includes(group)) {
    defaultPodSpec(template.spec as Obj);
  }
  if (group === 'apps' && (kind === 'Deployment' || kind === 'ReplicaSet') && spec) {
    if (spec.replicas === undefined) spec.replicas = 1;
    if (kind === 'Deployment') {
      if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
      if (spec.progressDeadlineSeconds === undefined) spec.progressDeadlineSeconds = 600;
      const strategy = obj(spec, 'strategy');
      if (strategy.type === undefined) strategy.type = 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const ru = obj(strategy, 'rollingUpdate');
        if (ru.maxSurge === undefined) ru.maxSurge = '25%';
        if (ru.maxUnavailable === undefined) ru.maxUnavailable = '25%';
      }
    }
  }
  if (group === '' && kind === 'Service' && spec) {
    if (spec.type === undefined) spec.type = 'ClusterIP';
    if (spec.sessionAffinity === undefined) spec.sessionAffinity = 'None';
    if (spec.type !== 'ExternalName' && (spec.clusterIP === undefined || spec.clusterIP === '')) {
      if (isCreate) spec.clusterIP = allocateClusterIp();
    }
    if (typeof spec.clusterIP === 'string' && spec.clusterIPs === undefined)
      spec.clusterIPs = [spec.clusterIP];
    if (Array.isArray(spec.ports)) {
      for (const p of spec.ports as Obj[]) {
        if (p.protocol === undefined) p.protocol = 'TCP';
        if (p.targetPort === undefined && p.port !== undefined) p.targetPort = p.port;
      }
    }
  }
  if (group === '' && kind === 'Secret' && o.type === undefined) o.type = 'Opaque';
  if (group === '' && kind === 'Namespace' && isCreate) {
    o.status = { phase: 'Active' };
    o.metadata.labels ??= {};
    const labels = o.metadata.labels;
    if (o.metadata.name) labels['kubernetes.io/metadata.name'] = o.metadata.name;
  }
  if (group === '' && kind === 'Pod' && isCreate) {
    const status = o.status && typeof o.status === 'object' ? (o.status as Obj) : {};
    if (status.phase === undefined) status.phase = 'Pending';
    o.status = status;
  }
}
