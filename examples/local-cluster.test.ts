// Every example really runs on the embedded local cluster: its rendered objects go into the local
// cluster's object store, the Deployment/ReplicaSet controllers make pods, and the pod runner starts each
// pod as the bundled demo service through the example's `localImages` (relative paths resolved against
// the platform directory). Each pod must pass its real HTTP probes and answer /api/info with its own
// service name and the version from the desired state (through the downward-API env of values.yaml).
// Probe delays are shortened with --set-style overrides so that the test takes seconds.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPlatform } from '../src/config/load.ts';
import { startControllers } from '../src/localcluster/controllers/index.ts';
import { resolveKinds } from '../src/localcluster/controllers/util.ts';
import { PodRunner } from '../src/localcluster/pods/runner.ts';
import { createMemoryStore } from '../src/localcluster/store/memory-store.ts';
import { renderPlatform } from '../src/render/platform.ts';
import type { KubeObject } from '../src/shared/kube-types.ts';

type Obj = Record<string, unknown>;
const EXAMPLES_DIR = dirname(fileURLToPath(import.meta.url));

/** The smallest environment of each example: enough to prove the wiring, light on processes. */
const CASES: Array<{ example: string; env: string; secrets?: Array<[string, string, string]> }> = [
  { example: 'appointments', env: 'development' },
  { example: 'reservations', env: 'development' },
  { example: 'ehealth', env: 'inttest' },
  // The document's Secret is created outside the repository (README: kubectl create secret …).
  {
    example: 'orders',
    env: 'staging',
    secrets: [['platform-staging', 'order-service-secrets', 'database-url']],
  },
  { example: 'budget', env: 'staging' },
  { example: 'budget/canary', env: 'staging' },
];

const FAST_PROBES = [
  'probes.startup.periodSeconds=1',
  'probes.readiness.initialDelaySeconds=0',
  'probes.readiness.periodSeconds=1',
  'probes.liveness.initialDelaySeconds=0',
];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('examples on the embedded local cluster', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  for (const { example, env, secrets } of CASES) {
    it(`${example} (${env}): every pod runs as the demo service and gets ready`, async () => {
      const dir = join(EXAMPLES_DIR, example);
      const p = await loadPlatform(dir);
      const rendered = await renderPlatform(p, env, { overrides: { set: FAST_PROBES } });

      const store = createMemoryStore();
      const kinds = resolveKinds(store);
      const types = store.resourceTypes();
      const typeOf = (o: KubeObject) =>
        types.find(
          (t) => t.kind === o.kind && (t.group ? `${t.group}/${t.version}` : t.version) === o.apiVersion,
        );
      const namespaces = new Set(rendered.flatMap((r) => r.objects.map((o) => o.metadata.namespace ?? '')));
      for (const ns of namespaces) {
        store.create(typeOf({ apiVersion: 'v1', kind: 'Namespace', metadata: {} })!, {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: ns },
        });
      }
      for (const { objects } of rendered) {
        for (const o of objects) {
          const t = typeOf(o);
          if (!t) continue; // mesh and monitoring CRDs: not needed to run pods
          if (o.kind === 'Secret') {
            // render shows references only; the deploy step resolves them — stand-in values here.
            const keys = Object.keys({ ...((o as Obj).data as Obj), ...((o as Obj).stringData as Obj) });
            const { data: _data, ...rest } = o as Obj;
            store.create(t, {
              ...(rest as KubeObject),
              stringData: Object.fromEntries(keys.map((k) => [k, 'x'])),
            });
          } else store.create(t, o);
        }
      }
      for (const [namespace, name, key] of secrets ?? []) {
        store.create(kinds.secret, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, namespace },
          stringData: { [key]: 'postgresql://local' },
        });
      }

      const work = await mkdtemp(join(tmpdir(), 'slipway-example-cluster-'));
      const controllers = startControllers({ store, kinds });
      const runner = new PodRunner({
        store,
        kinds,
        dir: work,
        imageMappings: (p.platform.localImages ?? []).map((m) => ({ ...m, cwd: dir })),
        backoffBaseMs: 200,
      });
      runner.start();
      const seen = new Set<number>();
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        for (const pid of runner.pids()) seen.add(pid);
        controllers.stop();
        await runner.stop();
        await rm(work, { recursive: true, force: true });
      };
      cleanups.push(stop);

      try {
        const deployments = store.list(kinds.deployment, {}).items;
        const want = deployments.reduce((n, d) => n + Number((d.spec as Obj).replicas ?? 1), 0);
        assert.ok(want > 0, 'the environment has pods');
        const isReady = (pod: KubeObject) =>
          (((pod.status as Obj | undefined)?.conditions as Obj[] | undefined) ?? []).some(
            (c) => c.type === 'Ready' && c.status === 'True',
          );
        const deadline = Date.now() + 30_000;
        let pods: KubeObject[] = [];
        for (;;) {
          for (const pid of runner.pids()) seen.add(pid);
          pods = store.list(kinds.pod, {}).items;
          if (pods.filter(isReady).length >= want) break;
          if (Date.now() > deadline) {
            const states = pods.map(
              (x) =>
                `${x.metadata.name}: ${JSON.stringify(((x.status as Obj | undefined)?.containerStatuses as Obj[] | undefined)?.[0]?.state)}`,
            );
            assert.fail(`${pods.filter(isReady).length}/${want} pods ready after 30 s\n${states.join('\n')}`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }

        const desired = p.desired.get(env)!.state.services;
        for (const pod of pods.filter(isReady)) {
          const service = pod.metadata.labels?.['slipway.dev/service'] ?? '';
          const container = ((pod.spec as Obj).containers as Obj[])[0]!;
          const port = (container.ports as Array<{ name: string; containerPort: number }>).find(
            (x) => x.name === 'http',
          )!.containerPort;
          const res = await fetch(`http://${(pod.status as Obj).podIP}:${port}/api/info`);
          assert.equal(res.status, 200, pod.metadata.name);
          const body = (await res.json()) as Obj;
          assert.equal(body.service, service);
          assert.equal(body.version, desired[service]?.version);
          assert.equal(body.pod, pod.metadata.name);
        }
      } finally {
        await stop();
      }
      for (const pid of seen) assert.equal(alive(pid), false, `process ${pid} still running`);
    });
  }
});
