// The pod runner with real processes: probes, env, crash-loop back-off, liveness restarts, graceful
// and forced termination, logs, and that stop() leaves no process behind.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createEventRecorder } from '../../src/localcluster/controllers/events.ts';
import { type Kinds, resolveKinds } from '../../src/localcluster/controllers/util.ts';
import { PodRunner } from '../../src/localcluster/pods/runner.ts';
import { createMemoryStore } from '../../src/localcluster/store/memory-store.ts';
import type { ObjectStore } from '../../src/localcluster/store/types.ts';
import type { KubeObject } from '../../src/shared/kube-types.ts';

type Obj = Record<string, unknown>;
/** A tiny pod process whose behaviour the MODE variable chooses. */
export const POD_SERVER = `// A tiny pod process for the local cluster's tests: behaviour chosen by MODE.
import { createServer } from 'node:http';

const mode = process.env.MODE ?? 'ok';
if (mode === 'crash') {
  console.log('crashing on purpose');
  process.exit(3);
}
if (mode === 'ignore-term') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
else
  process.on('SIGTERM', () => {
    console.log('got SIGTERM');
    process.exit(0);
  });
const server = createServer((req, res) => {
  if (req.url === '/ready' && mode === 'never-ready') {
    res.writeHead(503);
    res.end('not ready');
    return;
  }
  if (req.url === '/live' && mode === 'bad-live') {
    res.writeHead(500);
    res.end('dead');
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      pod: process.env.POD_NAME,
      namespace: process.env.POD_NAMESPACE,
      host: process.env.HOST,
      port: process.env.PORT,
      greeting: process.env.GREETING,
      fromField: process.env.MY_IP,
      version: process.env.VERSION,
    }),
  );
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.env.PORT), process.env.HOST, () =>
  console.log(\`listening on \${process.env.HOST}:\${process.env.PORT}\`),
);
`;

function pod(name: string, mode: string, extra: Obj = {}, container: Obj = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'ghcr.io/test/server:1',
          ports: [{ name: 'http', containerPort: 8080 }],
          env: [{ name: 'MODE', value: mode }],
          ...container,
        },
      ],
      ...extra,
    },
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor<T>(what: string, fn: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('pod runner', () => {
  let store: ObjectStore;
  let kinds: Kinds;
  let runner: PodRunner;
  let dir: string;
  const seenPids = new Set<number>();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-pods-'));
    const FIXTURE = join(dir, 'pod-server.mjs');
    writeFileSync(FIXTURE, POD_SERVER);
    store = createMemoryStore();
    kinds = resolveKinds(store);
    runner = new PodRunner({
      store,
      kinds,
      dir,
      imageMappings: [{ image: 'ghcr.io/test/*', command: ['node', FIXTURE] }],
      recorder: createEventRecorder(store, kinds.event, 'kubelet'),
      backoffBaseMs: 200,
    });
    runner.start();
  });

  after(async () => {
    for (const p of runner.pids()) seenPids.add(p);
    await runner.stop();
    for (const pid of seenPids) assert.equal(alive(pid), false, `process ${pid} still running after stop()`);
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (name: string) => store.get(kinds.pod, 'default', name);
  const st = (name: string) => (get(name)?.status ?? {}) as Obj;
  const cs = (name: string) => ((st(name).containerStatuses as Obj[] | undefined) ?? [])[0] ?? {};
  const ready = (name: string) =>
    ((st(name).conditions as Obj[] | undefined) ?? []).find((c) => c.type === 'Ready')?.status === 'True';
  const track = () => {
    for (const p of runner.pids()) seenPids.add(p);
  };

  it('runs a mapped image as a process on its own loopback address and gets ready through real probes', async () => {
    store.create(kinds.configMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'default' },
      data: { GREETING: 'hello' },
    });
    store.create(
      kinds.pod,
      pod(
        'ok',
        'ok',
        {},
        {
          envFrom: [{ configMapRef: { name: 'cfg' } }],
          env: [
            { name: 'MODE', value: 'ok' },
            { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ],
          readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 0.2 },
          livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 0.2 },
        },
      ),
    );
    await waitFor('ready', () => ready('ok'));
    track();
    const s = st('ok');
    assert.match(String(s.podIP), /^127\.1\.\d+\.\d+$/);
    assert.equal(s.phase, 'Running');
    assert.equal(get('ok')?.spec && (get('ok')!.spec as Obj).nodeName, 'local');
    const types = ((s.conditions as Obj[]) ?? []).map((c) => `${c.type}=${c.status}`).sort();
    assert.deepEqual(types, ['ContainersReady=True', 'Initialized=True', 'PodScheduled=True', 'Ready=True']);
    const body = (await (await fetch(`http://${s.podIP}:8080/`)).json()) as Obj;
    assert.deepEqual(body, {
      pod: 'ok',
      namespace: 'default',
      host: s.podIP,
      port: '8080',
      greeting: 'hello',
      fromField: s.podIP,
    });
    assert.match(runner.readLogs('default', 'ok'), /listening on 127\.1\./);
    const events = store.list(kinds.event, { namespace: 'default' }).items.map((e) => e.reason);
    assert.ok(events.includes('Started') && events.includes('Scheduled'));
  });

  it('restarts a crashing container with back-off and reports CrashLoopBackOff', async () => {
    store.create(kinds.pod, pod('crash', 'crash'));
    await waitFor(
      'CrashLoopBackOff',
      () =>
        (cs('crash').state as Obj | undefined)?.waiting &&
        ((cs('crash').state as Obj).waiting as Obj).reason === 'CrashLoopBackOff',
    );
    const c = cs('crash');
    assert.ok(Number(c.restartCount) > 0);
    assert.equal(((c.lastState as Obj).terminated as Obj).exitCode, 3);
    assert.equal(((c.lastState as Obj).terminated as Obj).reason, 'Error');
    assert.equal(c.ready, false);
    assert.match(runner.readLogs('default', 'crash', { previous: true }), /crashing on purpose/);
    await waitFor('more restarts', () => Number(cs('crash').restartCount) >= 3);
    const backoffs = store
      .list(kinds.event, { namespace: 'default' })
      .items.filter((e) => e.reason === 'BackOff');
    assert.ok(backoffs.length >= 1);
  });

  it('keeps a never-ready pod running but not ready', async () => {
    store.create(
      kinds.pod,
      pod(
        'never',
        'never-ready',
        {},
        {
          readinessProbe: {
            httpGet: { path: '/ready', port: 8080 },
            periodSeconds: 0.2,
            failureThreshold: 1,
          },
        },
      ),
    );
    await waitFor('running', () => st('never').phase === 'Running' && (cs('never').state as Obj).running);
    track();
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(ready('never'), false);
    assert.equal(cs('never').ready, false);
    const unhealthy = store
      .list(kinds.event, { namespace: 'default' })
      .items.filter((e) => e.reason === 'Unhealthy' && (e.involvedObject as Obj).name === 'never')
      .map((e) => String(e.message));
    assert.ok(
      unhealthy.includes('Readiness probe failed: HTTP probe failed with statuscode: 503'),
      unhealthy.join('\n'),
    );
  });

  it('restarts a container whose liveness probe fails', async () => {
    store.create(
      kinds.pod,
      pod(
        'dead',
        'bad-live',
        {},
        {
          livenessProbe: { httpGet: { path: '/live', port: 8080 }, periodSeconds: 0.2, failureThreshold: 2 },
        },
      ),
    );
    await waitFor('running', () => (cs('dead').state as Obj | undefined)?.running);
    track();
    await waitFor('a liveness restart', () => Number(cs('dead').restartCount) >= 1);
    const killing = store
      .list(kinds.event, { namespace: 'default' })
      .items.find((e) => e.reason === 'Killing');
    assert.match(String(killing?.message), /failed liveness probe, will be restarted/);
  });

  it('deletes gracefully: SIGTERM, the pod keeps its deletionTimestamp until the process is gone', async () => {
    await waitFor('ok ready', () => ready('ok'));
    const pid = runner.pids().find((p) => alive(p))!;
    const [okPid] = runner.pids();
    assert.ok(okPid && pid);
    store.delete(kinds.pod, 'default', 'ok');
    assert.ok(get('ok')?.metadata.deletionTimestamp, 'still visible while terminating');
    await waitFor('pod gone', () => !get('ok'));
  });

  it('SIGKILLs a process that ignores SIGTERM after terminationGracePeriodSeconds', async () => {
    store.create(
      kinds.pod,
      pod(
        'stubborn',
        'ignore-term',
        { terminationGracePeriodSeconds: 1 },
        { readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 0.1 } },
      ),
    );
    await waitFor('ready', () => ready('stubborn'));
    const before = new Set(runner.pids());
    track();
    const ip = String(st('stubborn').podIP);
    const pidsOfPod = [...before].filter(alive);
    const started = Date.now();
    store.delete(kinds.pod, 'default', 'stubborn');
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(get('stubborn')?.metadata.deletionTimestamp, 'still terminating within the grace period');
    await waitFor('pod gone', () => !get('stubborn'), 5_000);
    const took = Date.now() - started;
    assert.ok(took >= 900, `waited the grace period (${took} ms)`);
    await assert.rejects(fetch(`http://${ip}:8080/`));
    assert.ok(pidsOfPod.length > 0);
  });

  it('runs unmapped images as simulated pods that get ready after their probe delays', async () => {
    store.create(
      kinds.pod,
      pod(
        'sim',
        'ok',
        {},
        {
          image: 'docker.io/library/redis:7',
          readinessProbe: { tcpSocket: { port: 6379 }, initialDelaySeconds: 0.3, periodSeconds: 0.2 },
        },
      ),
    );
    await waitFor('running', () => st('sim').phase === 'Running');
    assert.equal(ready('sim'), false);
    await waitFor('ready', () => ready('sim'));
  });
});
