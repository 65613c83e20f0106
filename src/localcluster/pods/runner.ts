// The pod runner, the local cluster's kubelet: takes every Pod (spec.nodeName: local), gives it its own
// loopback address, runs its containers (real processes for mapped images, simulations otherwise),
// writes status, and on deletion stops the processes gracefully before releasing the Pod. A finalizer
// keeps a deleted Pod (with its deletionTimestamp) in the store until its processes are gone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../shared/kube-types.ts';
import type { EventRecorder } from '../controllers/events.ts';
import { isConflict, isNotFound, WorkQueue } from '../controllers/queue.ts';
import {
  type Condition,
  canonicalJson,
  type Kinds,
  key,
  nowIso,
  type Obj,
  splitKey,
} from '../controllers/util.ts';
import { ApiStatusError } from '../store/errors.ts';
import type { ObjectStore } from '../store/types.ts';
import { ContainerRuntime } from './container.ts';
import { containerEnv } from './env.ts';
import { type ReadLogOptions, readLog, removeLogs } from './logs.ts';
import { findMapping, groupAlive, type ImageMapping, signalGroup } from './process.ts';
import {
  type InClusterAccess,
  mountedServiceAccount,
  mountServiceAccount,
  unmountServiceAccount,
} from './serviceaccount.ts';
import {
  containerMounts,
  projectVolumes,
  removeVolumes,
  rewriteMountPaths,
  volumeSources,
} from './volumes.ts';

export const POD_FINALIZER = 'slipway.dev/pod-runner';
export const NODE_NAME = 'local';

export interface PodRunnerOptions {
  store: ObjectStore;
  kinds: Kinds;
  /** Cluster directory: logs go to `<dir>/logs`, live process ids to `<dir>/pids.json`. */
  dir: string;
  imageMappings?: ImageMapping[];
  recorder?: EventRecorder;
  /** First crash-loop back-off (Kubernetes: 10 s); doubles up to backoffMaxMs (5 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Grace period cap when the whole cluster stops. */
  stopGraceMs?: number;
  /** The API server and token issuer, for pods that mount their ServiceAccount token. */
  inCluster?: () => InClusterAccess | undefined;
}

class PodRuntime {
  containers: ContainerRuntime[] = [];
  terminating: Promise<void> | undefined;
  readonly startTime = nowIso();
  readonly uid: string;
  pod: KubeObject;

  constructor(
    pod: KubeObject,
    readonly ip: string,
  ) {
    this.pod = pod;
    this.uid = pod.metadata.uid ?? '';
  }

  phase(): string {
    const cs = this.containers;
    if (cs.length > 0 && cs.every((c) => c.finished)) {
      return cs.every((c) => 'terminated' in c.state && c.state.terminated.exitCode === 0)
        ? 'Succeeded'
        : 'Failed';
    }
    if (cs.some((c) => c.everStarted)) return 'Running';
    return 'Pending';
  }

  status(previous: Obj): Obj {
    const now = nowIso();
    const phase = this.phase();
    const allReady = this.containers.length > 0 && this.containers.every((c) => c.ready);
    const prev = (previous.conditions as Condition[] | undefined) ?? [];
    const cond = (type: string, ok: boolean, reason?: string): Condition => {
      const old = prev.find((c) => c.type === type);
      const st = ok ? 'True' : 'False';
      const c: Condition = {
        type,
        status: st,
        lastProbeTime: null,
        lastTransitionTime: old && old.status === st && old.lastTransitionTime ? old.lastTransitionTime : now,
      };
      if (reason && !ok) c.reason = reason;
      return c;
    };
    const done = phase === 'Succeeded' || phase === 'Failed';
    const notReadyReason = done ? 'PodCompleted' : 'ContainersNotReady';
    return {
      phase,
      conditions: [
        cond('Initialized', true),
        cond('Ready', allReady, notReadyReason),
        cond('ContainersReady', allReady, notReadyReason),
        cond('PodScheduled', true),
      ],
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP: this.ip,
      podIPs: [{ ip: this.ip }],
      startTime: (previous.startTime as string | undefined) ?? this.startTime,
      containerStatuses: this.containers.map((c) => c.status()),
      qosClass: qosClass(this.pod),
    };
  }
}

function qosClass(pod: KubeObject): string {
  const cs = ((pod.spec as Obj | undefined)?.containers as Obj[] | undefined) ?? [];
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const r = (c.resources as { requests?: Obj; limits?: Obj } | undefined) ?? {};
    if (Object.keys(r.requests ?? {}).length || Object.keys(r.limits ?? {}).length) any = true;
    const l = r.limits ?? {};
    if (l.cpu === undefined || l.memory === undefined) guaranteed = false;
    for (const k of ['cpu', 'memory']) {
      if (r.requests?.[k] !== undefined && r.requests[k] !== l[k]) guaranteed = false;
    }
  }
  return guaranteed ? 'Guaranteed' : any ? 'Burstable' : 'BestEffort';
}

export class PodRunner {
  private readonly runtimes = new Map<string, PodRuntime>();
  private readonly usedIps = new Set<string>();
  // A random start keeps several clusters on one machine (parallel tests) off each other's addresses.
  private nextIp = Math.floor(Math.random() * 256 * 254);
  private readonly queue: WorkQueue;
  private readonly statusQueue: WorkQueue;
  private readonly written = new Map<string, string>();
  private unwatch: (() => void) | undefined;
  private unwatchVolumes: Array<() => void> = [];
  private readonly logDir: string;
  private readonly pidFile: string;
  private stopped = false;

  constructor(private readonly o: PodRunnerOptions) {
    this.logDir = join(o.dir, 'logs');
    this.pidFile = join(o.dir, 'pids.json');
    mkdirSync(this.logDir, { recursive: true });
    const onError = (name: string, k: string, e: unknown) =>
      process.stderr.write(`pod runner ${name} ${k}: ${e instanceof Error ? e.message : String(e)}\n`);
    this.queue = new WorkQueue('pods', (k) => this.reconcile(k), onError);
    this.statusQueue = new WorkQueue('pod-status', (k) => this.writeStatus(k), onError);
  }

  start(): void {
    killStaleProcesses(this.pidFile);
    this.unwatch = this.o.store.watch(this.o.kinds.pod, {}, (ev) => this.queue.add(key(ev.object)));
    // A changed ConfigMap or Secret reaches the volumes of the running pods that mount it.
    for (const kind of ['configMaps', 'secrets'] as const) {
      const type = kind === 'configMaps' ? this.o.kinds.configMap : this.o.kinds.secret;
      this.unwatchVolumes.push(this.o.store.watch(type, {}, (ev) => this.refreshVolumes(kind, ev.object)));
    }
  }

  /** Stops every process (grace capped) without touching the stored Pods: a restart runs them again. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    for (const u of this.unwatchVolumes) u();
    this.queue.stop();
    this.statusQueue.stop();
    const grace = this.o.stopGraceMs ?? 5_000;
    await Promise.all(
      [...this.runtimes.values()].map((rt) => Promise.all(rt.containers.map((c) => c.terminate(grace)))),
    );
    this.runtimes.clear();
    this.writePids();
  }

  /** Process ids of every running container process (the leaders of their process groups). */
  pids(): number[] {
    const out: number[] = [];
    for (const rt of this.runtimes.values()) for (const c of rt.containers) if (c.proc) out.push(c.proc.pid);
    return out;
  }

  /** CPU seconds used so far by a pod's processes; undefined for simulated or unknown pods. */
  cpuSeconds(namespace: string, name: string): number | undefined {
    const rt = this.runtimes.get(`${namespace}/${name}`);
    if (!rt) return undefined;
    let sum: number | undefined;
    for (const c of rt.containers) {
      const s = c.cpuSeconds();
      if (s !== undefined) sum = (sum ?? 0) + s;
    }
    return sum;
  }

  /**
   * A container's log for `kubectl logs`. Throws an Error with `code` 400/404 and a Kubernetes-style
   * message when the container or the previous instance does not exist.
   */
  readLogs(
    namespace: string,
    pod: string,
    o: ReadLogOptions & { container?: string; previous?: boolean } = {},
  ) {
    const stored = this.o.store.get(this.o.kinds.pod, namespace, pod);
    if (!stored) throw apiError(404, 'NotFound', `pods "${pod}" not found`);
    const containers = (((stored.spec as Obj | undefined)?.containers as Obj[] | undefined) ?? []).map((c) =>
      String(c.name),
    );
    const container = o.container ?? (containers.length === 1 ? containers[0] : undefined);
    if (!container) {
      throw apiError(
        400,
        'BadRequest',
        `a container name must be specified for pod ${pod}, choose one of: [${containers.join(' ')}]`,
      );
    }
    if (!containers.includes(container)) {
      throw apiError(400, 'BadRequest', `container ${container} is not valid for pod ${pod}`);
    }
    const rt = this.runtimes.get(`${namespace}/${pod}`);
    const c = rt?.containers.find((x) => x.name === container);
    const statuses = (
      ((stored.status as Obj | undefined)?.containerStatuses as Obj[] | undefined) ?? []
    ).find((s) => s.name === container);
    const restarts = c?.restartCount ?? Number(statuses?.restartCount ?? 0);
    const instance = o.previous ? restarts - 1 : restarts;
    const path = join(this.logDir, `${namespace}_${pod}_${container}_${instance}.log`);
    const text = instance >= 0 ? readLog(path, o) : undefined;
    if (text === undefined) {
      if (o.previous) {
        throw apiError(
          400,
          'BadRequest',
          `previous terminated container "${container}" in pod "${pod}" not found`,
        );
      }
      return '';
    }
    return text;
  }

  /**
   * Follows a container's log like `kubectl logs -f`: what is there, then new lines as they are
   * written, across restarts, until the pod is gone or the consumer stops.
   */
  async *followLogs(
    namespace: string,
    pod: string,
    container: string,
    o: ReadLogOptions = {},
  ): AsyncGenerator<string> {
    let text = this.readLogs(namespace, pod, { ...o, container });
    yield text;
    let path = this.logPath(namespace, pod, container);
    let offset = path ? (readLog(path, {}) ?? '').length : 0;
    while (!this.stopped) {
      await new Promise((r) => setTimeout(r, 250));
      const stored = this.o.store.get(this.o.kinds.pod, namespace, pod);
      if (!stored) return;
      const now = this.logPath(namespace, pod, container);
      if (now !== path) {
        path = now;
        offset = 0;
      }
      if (!path) continue;
      text = readLog(path, {}) ?? '';
      if (text.length > offset) {
        yield text.slice(offset);
        offset = text.length;
      } else if (text.length < offset) {
        offset = text.length;
      }
    }
  }

  /** The path of the current log file (for follow mode). */
  logPath(namespace: string, pod: string, container: string): string | undefined {
    const c = this.runtimes.get(`${namespace}/${pod}`)?.containers.find((x) => x.name === container);
    return c?.logPath(c.restartCount);
  }

  /** For tests: resolves once queued work is done. */
  async idle(): Promise<void> {
    await this.queue.idle();
    await this.statusQueue.idle();
  }

  private allocateIp(pod: KubeObject): string {
    const prev = (pod.status as Obj | undefined)?.podIP;
    if (typeof prev === 'string' && prev.startsWith('127.1.') && !this.usedIps.has(prev)) {
      this.usedIps.add(prev);
      return prev;
    }
    for (let i = 0; i < 256 * 254; i++) {
      const n = this.nextIp++ % (256 * 254);
      const ip = `127.1.${Math.floor(n / 254)}.${(n % 254) + 1}`;
      if (!this.usedIps.has(ip)) {
        this.usedIps.add(ip);
        return ip;
      }
    }
    throw new Error('no free pod address in 127.1.0.0/16');
  }

  private reconcile(k: string): void {
    if (this.stopped) return;
    const [ns, name] = splitKey(k);
    const store = this.o.store;
    const podType = this.o.kinds.pod;
    const pod = store.get(podType, ns, name);
    let rt = this.runtimes.get(k);
    if (rt && (!pod || pod.metadata.uid !== rt.uid)) {
      // Gone (or replaced by a new Pod of the same name) without our finalizer: stop at once.
      void this.terminate(k, rt, 0);
      rt = undefined;
      if (!pod) return;
    }
    if (!pod) return;
    if (pod.metadata.deletionTimestamp) {
      if (rt) {
        if (!rt.terminating) {
          // The store records 0 when the client gave no grace period: use the pod's own then.
          const requested = pod.metadata.deletionGracePeriodSeconds;
          const graceS =
            requested !== undefined && requested > 0
              ? requested
              : (((pod.spec as Obj | undefined)?.terminationGracePeriodSeconds as number | undefined) ?? 30);
          void this.terminate(k, rt, graceS * 1000).then(() => this.release(ns, name, rt!.uid));
        }
      } else {
        this.release(ns, name, pod.metadata.uid ?? '');
      }
      return;
    }
    if (rt) {
      rt.pod = pod;
      return;
    }
    const phase = (pod.status as Obj | undefined)?.phase;
    if ((phase === 'Succeeded' || phase === 'Failed') && pod.metadata.finalizers?.includes(POD_FINALIZER))
      return;
    const spec = (pod.spec as Obj | undefined) ?? {};
    if (spec.nodeName !== NODE_NAME || !pod.metadata.finalizers?.includes(POD_FINALIZER)) {
      const firstBind = spec.nodeName !== NODE_NAME;
      store.update(podType, {
        ...pod,
        metadata: { ...pod.metadata, finalizers: [...(pod.metadata.finalizers ?? []), POD_FINALIZER] },
        spec: { ...spec, nodeName: NODE_NAME },
      });
      if (firstBind) {
        this.o.recorder?.record(
          pod,
          'Normal',
          'Scheduled',
          `Successfully assigned ${ns}/${name} to ${NODE_NAME}`,
        );
      }
      return;
    }
    this.run(k, pod);
  }

  private run(k: string, pod: KubeObject): void {
    const rt = new PodRuntime(pod, this.allocateIp(pod));
    this.runtimes.set(k, rt);
    const spec = (pod.spec as Obj | undefined) ?? {};
    const restartPolicy = String(spec.restartPolicy ?? 'Always');
    const previous = ((pod.status as Obj | undefined)?.containerStatuses as Obj[] | undefined) ?? [];
    const volumes = projectVolumes(this.volumeSource(), this.o.dir, pod);
    const access = this.o.inCluster?.();
    const account =
      access &&
      mountedServiceAccount(this.o.store, this.o.store.resourceTypeFor('v1', 'ServiceAccount'), pod);
    const inCluster = access && account ? mountServiceAccount(access, this.o.dir, pod, account) : {};
    for (const cs of (spec.containers as Obj[] | undefined) ?? []) {
      const c = new ContainerRuntime(cs, {
        pod,
        ip: rt.ip,
        logDir: this.logDir,
        mapping: findMapping(this.o.imageMappings ?? [], String(cs.image ?? '')),
        defaultCwd: process.cwd(),
        restartPolicy,
        backoffBaseMs: this.o.backoffBaseMs ?? 10_000,
        backoffMaxMs: this.o.backoffMaxMs ?? 300_000,
        buildEnv: (container) =>
          rewriteMountPaths(
            containerEnv(
              { store: this.o.store, configMaps: this.o.kinds.configMap, secrets: this.o.kinds.secret },
              rt.pod,
              container,
              rt.ip,
              {
                PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
                HOME: process.env.HOME ?? '/tmp',
                ...inCluster,
                ...c_mappingEnv(this.o.imageMappings, cs),
              },
            ),
            containerMounts(container, volumes),
          ),
        onChange: () => this.statusQueue.add(k),
        onPids: () => this.writePids(),
        event: (type, reason, message) => this.o.recorder?.record(rt.pod, type, reason, message),
      });
      // A restarted cluster keeps counting restarts where the stored status left off.
      c.restartCount = Number(previous.find((p) => p.name === c.name)?.restartCount ?? 0);
      rt.containers.push(c);
    }
    for (const c of rt.containers) c.start();
    this.statusQueue.add(k);
  }

  private async terminate(k: string, rt: PodRuntime, graceMs: number): Promise<void> {
    rt.terminating ??= (async () => {
      await Promise.all(rt.containers.map((c) => c.terminate(graceMs)));
      this.usedIps.delete(rt.ip);
      if (this.runtimes.get(k) === rt) this.runtimes.delete(k);
      this.written.delete(k);
      for (const c of rt.containers) for (let i = 0; i <= c.restartCount; i++) removeLogs(c.logPath(i));
      removeVolumes(this.o.dir, rt.pod);
      unmountServiceAccount(this.o.dir, rt.pod);
    })();
    return rt.terminating;
  }

  /** Drops our finalizer so the store can finish deleting the Pod. */
  private release(ns: string, name: string, uid: string): void {
    for (let attempt = 0; attempt < 5; attempt++) {
      const pod = this.o.store.get(this.o.kinds.pod, ns, name);
      if (!pod || pod.metadata.uid !== uid || !pod.metadata.finalizers?.includes(POD_FINALIZER)) return;
      try {
        this.o.store.update(this.o.kinds.pod, {
          ...pod,
          metadata: {
            ...pod.metadata,
            finalizers: pod.metadata.finalizers.filter((f) => f !== POD_FINALIZER),
          },
        });
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e)) throw e;
      }
    }
  }

  private volumeSource() {
    return { store: this.o.store, configMaps: this.o.kinds.configMap, secrets: this.o.kinds.secret };
  }

  /** Rewrites the volumes of running pods that mount the changed ConfigMap or Secret. */
  private refreshVolumes(kind: 'configMaps' | 'secrets', changed: KubeObject): void {
    if (this.stopped) return;
    for (const rt of this.runtimes.values()) {
      if (rt.terminating || rt.pod.metadata.namespace !== changed.metadata.namespace) continue;
      if (!volumeSources(rt.pod)[kind].includes(changed.metadata.name ?? '')) continue;
      try {
        projectVolumes(this.volumeSource(), this.o.dir, rt.pod);
      } catch (e) {
        process.stderr.write(`pod runner volumes ${rt.pod.metadata.name}: ${(e as Error).message}\n`);
      }
    }
  }

  private writeStatus(k: string): void {
    const rt = this.runtimes.get(k);
    if (!rt || this.stopped) return;
    const [ns, name] = splitKey(k);
    const pod = this.o.store.get(this.o.kinds.pod, ns, name);
    if (!pod || pod.metadata.uid !== rt.uid) return;
    const next = rt.status((pod.status as Obj | undefined) ?? {});
    const text = canonicalJson(next);
    if (this.written.get(k) === text && canonicalJson(pod.status) === text) return;
    this.o.store.update(this.o.kinds.pod, { ...pod, status: next }, { subresource: 'status' });
    this.written.set(k, text);
  }

  private writePids(): void {
    const entries = this.pids().map((pid) => ({ pid, start: processStart(pid) }));
    try {
      writeFileSync(this.pidFile, JSON.stringify(entries));
    } catch {}
  }
}

function c_mappingEnv(mappings: ImageMapping[] | undefined, container: Obj): Record<string, string> {
  return findMapping(mappings ?? [], String(container.image ?? ''))?.env ?? {};
}

function apiError(code: number, reason: string, message: string): ApiStatusError {
  return new ApiStatusError(code, reason, message);
}

/** The kernel's start time of a process, to tell a stale pid file entry from a reused pid. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Kills pod processes a crashed earlier run left behind (only when the pid still names them). */
export function killStaleProcesses(pidFile: string): number {
  if (!existsSync(pidFile)) return 0;
  let killed = 0;
  try {
    const entries = JSON.parse(readFileSync(pidFile, 'utf8')) as Array<{ pid: number; start?: string }>;
    for (const e of entries) {
      if (groupAlive(e.pid) && (e.start === undefined || processStart(e.pid) === e.start)) {
        if (signalGroup(e.pid, 'SIGKILL')) killed++;
      }
    }
    writeFileSync(pidFile, '[]');
  } catch {}
  return killed;
}
