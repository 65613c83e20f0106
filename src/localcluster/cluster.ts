// The embedded local cluster, assembled: object store (persisted to <dir>/state.json), API server,
// controllers, pod runner and service proxy, plus the kubeconfig and cluster.json that clients and
// `slipway cluster status|down` read. Restarting on the same dir reloads the objects and runs the
// stored pods again.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { KubeObject } from '../shared/kube-types.ts';
import { type AuditEvent, startApiServer } from './api/server.ts';
import { createTokenIssuer, loadSigningKey } from './auth/tokens.ts';
import { createEventRecorder } from './controllers/events.ts';
import { startControllers } from './controllers/index.ts';
import { type Obj, resolveKinds, status } from './controllers/util.ts';
import { type ImageMapping, selfImageMappings } from './pods/process.ts';
import { PodRunner } from './pods/runner.ts';
import { startWatchdog } from './pods/watchdog.ts';
import { onPort, readClusterPorts, saveClusterPorts } from './ports.ts';
import { MeshMetrics, startMetricsServer } from './proxy/metrics.ts';
import { type ServiceAddress, ServiceProxy } from './proxy/proxy.ts';
import { createMemoryStore, type MemoryStore } from './store/memory-store.ts';
import { loadSnapshot, saveSnapshot } from './store/persist.ts';
import type { ObjectStore } from './store/types.ts';

export type { AuditEvent } from './api/server.ts';
export type { ImageMapping } from './pods/process.ts';

export interface LocalClusterOptions {
  dir: string;
  /** API server port; default: the previous run's port (`ports.json`) when free, else any free port. */
  port?: number;
  imageMappings?: ImageMapping[];
  validate?: (o: KubeObject) => Array<{ path: string; message: string }>;
  /** First crash-loop back-off in ms (Kubernetes: 10 000); tests use ~200. */
  backoffBaseMs?: number;
  /** Metrics/query/status port; default: the previous run's when free, else any free port. */
  metricsPort?: number;
  /** HPA resync period (default 15 s). */
  hpaSyncMs?: number;
  /** Where errors of background parts go (default stderr). */
  log?: (line: string) => void;
  /** Every request made with a ServiceAccount token, with the RBAC decision (tests record them). */
  audit?: (e: AuditEvent) => void;
}

export interface ClusterPodStatus {
  namespace: string;
  name: string;
  phase: string;
  ready: string;
  restarts: number;
  ip: string;
}

export interface ClusterStatus {
  pid: number;
  url: string;
  metricsUrl: string;
  kubeconfigPath: string;
  dir: string;
  objects: Record<string, number>;
  pods: ClusterPodStatus[];
  services: ServiceAddress[];
}

export interface LocalCluster {
  url: string;
  kubeconfigPath: string;
  metricsUrl: string;
  store: ObjectStore;
  stop(): Promise<void>;
  status(): ClusterStatus;
}

/** What `<dir>/cluster.json` holds while a cluster runs. */
export interface ClusterRecord {
  pid: number;
  url: string;
  port: number;
  metricsUrl: string;
  metricsPort: number;
  kubeconfigPath: string;
  startedAt: string;
  /** What the user should know about this start: a remembered port that was taken, and the new one. */
  notes?: string[];
}

export const CLUSTER_NAME = 'slipway-local';
const SAVE_DEBOUNCE_MS = 500;

export function kubeconfigYaml(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${CLUSTER_NAME}`,
    '  cluster:',
    `    server: ${url}`,
    '    insecure-skip-tls-verify: true',
    'contexts:',
    `- name: ${CLUSTER_NAME}`,
    '  context:',
    `    cluster: ${CLUSTER_NAME}`,
    `    user: ${CLUSTER_NAME}`,
    '    namespace: default',
    `current-context: ${CLUSTER_NAME}`,
    'preferences: {}',
    'users:',
    `- name: ${CLUSTER_NAME}`,
    '  user: {}',
    '',
  ].join('\n');
}

export function readClusterRecord(dir: string): ClusterRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterRecord;
  } catch {
    return undefined;
  }
}

function crdDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const d of [
    join(here, 'resources', 'crds'),
    join(here, '..', '..', '..', 'src', 'localcluster', 'resources', 'crds'),
  ]) {
    if (existsSync(d)) return d;
  }
  return undefined;
}

function installCrds(store: ObjectStore): void {
  const dir = crdDir();
  const t = store.resourceTypeFor('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
  if (!dir || !t) return;
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.yaml'))
    .sort()) {
    const crd = parse(readFileSync(join(dir, f), 'utf8')) as KubeObject;
    if (!store.get(t, undefined, crd.metadata.name ?? '')) store.create(t, crd);
  }
}

export async function startLocalCluster(o: LocalClusterOptions): Promise<LocalCluster> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  mkdirSync(o.dir, { recursive: true });
  const statePath = join(o.dir, 'state.json');
  const kubeconfigPath = join(o.dir, 'kubeconfig');
  const remembered = readClusterPorts(o.dir);
  const store: MemoryStore = existsSync(statePath) ? loadSnapshot(statePath) : createMemoryStore();
  installCrds(store);
  const kinds = resolveKinds(store);
  const tokens = createTokenIssuer(loadSigningKey(o.dir));
  let apiPort: number | undefined;
  const selfMappings = selfImageMappings();

  const runner = new PodRunner({
    store,
    kinds,
    dir: o.dir,
    // slipway's own image last: a platform's mapping of the same name wins.
    imageMappings: [...(o.imageMappings ?? []), ...selfMappings],
    inCluster: () => (apiPort === undefined ? undefined : { host: '127.0.0.1', port: apiPort, tokens }),
    recorder: createEventRecorder(store, kinds.event, 'kubelet'),
    ...(o.backoffBaseMs !== undefined ? { backoffBaseMs: o.backoffBaseMs } : {}),
  });
  const stopped: Array<() => Promise<void> | void> = [];
  try {
    // The API first: pods the runner starts get its address (KUBERNETES_SERVICE_HOST/PORT).
    const validate = o.validate ? { validate: o.validate } : {};
    const logs = (
      namespace: string,
      pod: string,
      container: string,
      opts: { follow: boolean; tailLines?: number; previous?: boolean },
    ) => {
      const read = {
        container,
        ...(opts.previous !== undefined ? { previous: opts.previous } : {}),
        ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}),
      };
      if (opts.follow && !opts.previous) {
        return runner.followLogs(
          namespace,
          pod,
          container,
          opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {},
        );
      }
      return runner.readLogs(namespace, pod, read);
    };
    const notes: string[] = [];
    const api = await onPort('API', o.port, remembered.port, notes, (port) =>
      startApiServer({
        store,
        host: '127.0.0.1',
        port,
        ...validate,
        logs,
        authn: { tokens, ...(o.audit ? { audit: o.audit } : {}) },
      }),
    );
    stopped.push(() => api.close());
    apiPort = api.port;
    // Before the pods too: slipway's own pods get its URL for the mesh metrics of their analyses.
    const metrics = new MeshMetrics();
    let statusFn: () => ClusterStatus = () => {
      throw new Error('not started');
    };
    const metricsServer = await onPort('metrics', o.metricsPort, remembered.metricsPort, notes, (port) =>
      startMetricsServer(metrics, '127.0.0.1', port, { '/status': () => statusFn() }),
    );
    stopped.push(() => metricsServer.close());
    for (const m of selfMappings) m.env = { ...m.env, SLIPWAY_METRICS_URL: metricsServer.url };
    const controllers = startControllers({
      store,
      kinds,
      cpu: runner,
      ...(o.hpaSyncMs !== undefined ? { hpaSyncMs: o.hpaSyncMs } : {}),
      onError: (c, k, e) => log(`controller ${c} ${k}: ${e instanceof Error ? e.message : String(e)}`),
    });
    stopped.push(() => controllers.stop());
    runner.start();
    stopped.push(() => runner.stop());
    // After the runner (stopped before it): a clean stop ends the pods itself.
    const watchdog = startWatchdog(join(o.dir, 'pids.json'), { log });
    stopped.push(() => watchdog.stop());
    const proxy = new ServiceProxy({ store, kinds, metrics, onError: log });
    proxy.start();
    stopped.push(() => proxy.stop());
    for (const n of notes) log(n);
    saveClusterPorts(o.dir, { port: api.port, metricsPort: metricsServer.port });

    // Persistence: debounced snapshot after writes, and a last one on stop.
    let saveTimer: NodeJS.Timeout | undefined;
    let saving: Promise<void> = Promise.resolve();
    const save = () => {
      saving = saving
        .then(() => saveSnapshot(store, statePath))
        .catch((e) => log(`cannot save ${statePath}: ${String(e)}`));
      return saving;
    };
    const offChange = store.onChange(() => {
      if (saveTimer) return;
      saveTimer = setTimeout(() => {
        saveTimer = undefined;
        void save();
      }, SAVE_DEBOUNCE_MS);
    });

    writeFileSync(kubeconfigPath, kubeconfigYaml(api.url));
    const record: ClusterRecord = {
      pid: process.pid,
      url: api.url,
      port: api.port,
      metricsUrl: metricsServer.url,
      metricsPort: metricsServer.port,
      kubeconfigPath,
      startedAt: new Date().toISOString(),
      ...(notes.length > 0 ? { notes } : {}),
    };
    writeFileSync(join(o.dir, 'cluster.json'), `${JSON.stringify(record, null, 2)}\n`);

    statusFn = (): ClusterStatus => {
      const objects: Record<string, number> = {};
      for (const t of store.resourceTypes()) {
        const n = store.list(t).items.length;
        if (n > 0) objects[t.group ? `${t.plural}.${t.group}` : t.plural] = n;
      }
      const pods = store.list(kinds.pod).items.map((p) => {
        const st = status(p);
        const cs = (st.containerStatuses as Obj[] | undefined) ?? [];
        const total = (((p.spec as Obj | undefined)?.containers as unknown[] | undefined) ?? []).length;
        return {
          namespace: p.metadata.namespace ?? 'default',
          name: p.metadata.name ?? '',
          phase: p.metadata.deletionTimestamp ? 'Terminating' : String(st.phase ?? 'Pending'),
          ready: `${cs.filter((c) => c.ready === true).length}/${total}`,
          restarts: cs.reduce((s, c) => s + Number(c.restartCount ?? 0), 0),
          ip: String(st.podIP ?? ''),
        };
      });
      return {
        pid: process.pid,
        url: api.url,
        metricsUrl: metricsServer.url,
        kubeconfigPath,
        dir: o.dir,
        objects,
        pods,
        services: proxy.addresses(),
      };
    };

    let stopping: Promise<void> | undefined;
    return {
      url: api.url,
      kubeconfigPath,
      metricsUrl: metricsServer.url,
      store,
      status: () => statusFn(),
      stop: () => {
        stopping ??= (async () => {
          offChange();
          if (saveTimer) clearTimeout(saveTimer);
          await stopAll(stopped, log);
          await save();
          rmSync(join(o.dir, 'cluster.json'), { force: true });
        })();
        return stopping;
      },
    };
  } catch (e) {
    await stopAll(stopped, log);
    throw e;
  }
}

/** Stops parts in reverse start order; one failing part does not keep the others running. */
async function stopAll(parts: Array<() => Promise<void> | void>, log: (l: string) => void): Promise<void> {
  for (const stop of [...parts].reverse()) {
    try {
      await stop();
    } catch (e) {
      log(`while stopping: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
