// The service proxy: loopback ClusterIPs, round-robin, VirtualService / HTTPRoute / NGINX canary
// weights and header matches over ~1,000 requests, 503 without endpoints, and the mesh metrics.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, createServer, get, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { type Controllers, startControllers } from '../../src/localcluster/controllers/index.ts';
import { type Kinds, nowIso, optionalKind, resolveKinds } from '../../src/localcluster/controllers/util.ts';
import { MeshMetrics, startMetricsServer } from '../../src/localcluster/proxy/metrics.ts';
import { LOCAL_PORTS_ANNOTATION, ServiceProxy } from '../../src/localcluster/proxy/proxy.ts';
import { createMemoryStore } from '../../src/localcluster/store/memory-store.ts';
import type { ObjectStore } from '../../src/localcluster/store/types.ts';
import type { KubeObject } from '../../src/shared/kube-types.ts';

type Obj = Record<string, unknown>;
const CRDS = join(import.meta.dirname, '../../src/localcluster/resources/crds');
const N = 1000;

describe('service proxy', () => {
  let store: ObjectStore;
  let kinds: Kinds;
  let controllers: Controllers;
  let proxy: ServiceProxy;
  let metrics: MeshMetrics;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>>;
  const backends: Server[] = [];

  /** A "pod": a real HTTP server on its own loopback address answering with its name. */
  async function podServer(
    name: string,
    ip: string,
    labels: Record<string, string>,
    rs: string,
  ): Promise<void> {
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${name} ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(18080, ip, r));
    backends.push(server);
    const hash = 'h1';
    store.create(kinds.pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'default',
        labels: { ...labels, 'pod-template-hash': hash },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: `${rs}-${hash}`,
            uid: `uid-${rs}`,
            controller: true,
          },
        ],
      },
      spec: { containers: [{ name: 'app', image: 'x', ports: [{ name: 'http', containerPort: 18080 }] }] },
    });
    const p = store.get(kinds.pod, 'default', name)!;
    store.update(
      kinds.pod,
      {
        ...p,
        status: {
          phase: 'Running',
          podIP: ip,
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: nowIso() }],
        },
      },
      { subresource: 'status' },
    );
  }

  function service(name: string, selector: Record<string, string>, port = 80): void {
    store.create(kinds.service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default' },
      spec: { selector, ports: [{ name: 'http', port, targetPort: 'http' }] },
    });
  }

  function create(
    apiVersion: string,
    kind: string,
    name: string,
    spec: Obj,
    annotations?: Record<string, string>,
  ): void {
    const [group] = apiVersion.split('/');
    const t = optionalKind(store, group!, kind) ?? store.resourceTypeFor(apiVersion, kind)!;
    store.create(t, {
      apiVersion,
      kind,
      metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
      spec,
    });
  }

  function url(svc: string): string {
    const s = store.get(kinds.service, 'default', svc)!;
    const ports = JSON.parse(s.metadata.annotations![LOCAL_PORTS_ANNOTATION]!) as Record<string, number>;
    return `http://${(s.spec as Obj).clusterIP}:${ports['80']}`;
  }

  async function count(
    target: string,
    n: number,
    headers: Record<string, string> = {},
  ): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const batch = 50;
    for (let i = 0; i < n; i += batch) {
      const bodies = await Promise.all(
        Array.from({ length: Math.min(batch, n - i) }, () => fetchText(`${target}/x`, headers)),
      );
      for (const b of bodies) {
        const who = b.split(' ')[0]!;
        out[who] = (out[who] ?? 0) + 1;
      }
    }
    return out;
  }

  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  function fetchText(u: string, headers: Record<string, string>): Promise<string> {
    return new Promise((resolve, reject) => {
      get(u, { headers, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
  }

  const sum = (o: Record<string, number>, prefix: string) =>
    Object.entries(o)
      .filter(([k]) => k.startsWith(prefix))
      .reduce((s, [, v]) => s + v, 0);
  /** Within 4 standard deviations of a binomial proportion. */
  const near = (observed: number, p: number, n: number) =>
    Math.abs(observed / n - p) <= 4 * Math.sqrt((p * (1 - p)) / n);

  before(async () => {
    store = createMemoryStore();
    for (const f of readdirSync(CRDS)) {
      const crd = parse(readFileSync(join(CRDS, f), 'utf8')) as KubeObject;
      store.create(store.resourceTypeFor('apiextensions.k8s.io/v1', 'CustomResourceDefinition')!, crd);
    }
    kinds = resolveKinds(store);
    controllers = startControllers({ store, kinds });
    metrics = new MeshMetrics();
    proxy = new ServiceProxy({ store, kinds, metrics, onError: (m) => process.stderr.write(`${m}\n`) });
    proxy.start();
    metricsServer = await startMetricsServer(metrics, '127.0.0.1', 0);
    await podServer('web-v1-a', '127.1.9.1', { app: 'web', version: 'v1' }, 'web-v1');
    await podServer('web-v1-b', '127.1.9.2', { app: 'web', version: 'v1' }, 'web-v1');
    await podServer(
      'web-v2-a',
      '127.1.9.3',
      { app: 'web', version: 'v2', 'app.kubernetes.io/version': 'v2' },
      'web-v2',
    );
    service('web', { app: 'web' });
    service('web-stable', { app: 'web', version: 'v1' });
    service('web-canary', { app: 'web', version: 'v2' });
    service('empty', { app: 'nothing' });
    await controllers.idle();
    await proxy.settled();
  });

  after(async () => {
    agent.destroy();
    controllers.stop();
    await proxy.stop();
    await metricsServer.close();
    for (const s of backends) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('gives each Service a loopback ClusterIP, remaps ports below 1024, and round-robins', async () => {
    const s = store.get(kinds.service, 'default', 'web-stable')!;
    assert.match(String((s.spec as Obj).clusterIP), /^127\.0\.\d+\.\d+$/);
    assert.equal(s.metadata.annotations?.[LOCAL_PORTS_ANNOTATION], '{"80":30080}');
    const got = await count(url('web-stable'), 100);
    assert.deepEqual(got, { 'web-v1-a': 50, 'web-v1-b': 50 });
    const addrs = proxy.addresses().find((a) => a.service === 'default/web-stable');
    assert.equal(addrs?.ports[0]?.listen, 30080);
  });

  it('answers 503 "no healthy upstream" without ready endpoints', async () => {
    const r = await fetch(`${url('empty')}/`);
    assert.equal(r.status, 503);
    assert.equal(await r.text(), 'no healthy upstream');
  });

  it('splits by VirtualService weights over DestinationRule subsets and routes header matches', async () => {
    create('networking.istio.io/v1', 'DestinationRule', 'web', {
      host: 'web',
      subsets: [
        { name: 'stable', labels: { version: 'v1' } },
        { name: 'canary', labels: { version: 'v2' } },
      ],
    });
    create('networking.istio.io/v1', 'VirtualService', 'web', {
      hosts: ['web'],
      http: [
        {
          match: [{ headers: { 'x-canary': { exact: 'true' } } }],
          route: [{ destination: { host: 'web', subset: 'canary' } }],
        },
        {
          route: [
            { destination: { host: 'web', subset: 'stable' }, weight: 80 },
            { destination: { host: 'web', subset: 'canary' }, weight: 20 },
          ],
        },
      ],
    });
    await proxy.settled();
    const got = await count(url('web'), N, { 'x-source': 'loadgen' });
    assert.ok(near(sum(got, 'web-v2'), 0.2, N), `canary share ${JSON.stringify(got)}`);
    assert.equal(sum(got, 'web-v2') + sum(got, 'web-v1'), N);
    assert.deepEqual(await count(url('web'), 50, { 'x-canary': 'true' }), { 'web-v2-a': 50 });
  });

  it('splits by Gateway API HTTPRoute backendRef weights with a header match', async () => {
    create('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web', {
      parentRefs: [{ name: 'gw' }],
      rules: [
        {
          matches: [{ headers: [{ name: 'X-Canary', value: 'always' }] }],
          backendRefs: [{ name: 'web-canary', port: 80 }],
        },
        {
          backendRefs: [
            { name: 'web-stable', port: 80, weight: 90 },
            { name: 'web-canary', port: 80, weight: 10 },
          ],
        },
      ],
    });
    await proxy.settled();
    const got = await count(url('web-stable'), N);
    assert.ok(near(sum(got, 'web-v2'), 0.1, N), `canary share ${JSON.stringify(got)}`);
    assert.deepEqual(await count(url('web-stable'), 20, { 'x-canary': 'always' }), { 'web-v2-a': 20 });
    assert.deepEqual(
      await count(url('web-canary'), 20),
      { 'web-v2-a': 20 },
      'the canary Service itself is not split',
    );
  });

  it('honours NGINX canary Ingress weight and canary-by-header', async () => {
    const t = optionalKind(store, 'gateway.networking.k8s.io', 'HTTPRoute')!;
    store.delete(t, 'default', 'web');
    const ingress = (name: string, svc: string, annotations: Record<string, string>) =>
      create(
        'networking.k8s.io/v1',
        'Ingress',
        name,
        {
          ingressClassName: 'nginx',
          rules: [
            {
              host: 'web.local',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: svc, port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
        annotations,
      );
    ingress('web', 'web-stable', {});
    ingress('web-canary', 'web-canary', {
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '30',
      'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
    });
    await proxy.settled();
    const got = await count(url('web-stable'), N);
    assert.ok(near(sum(got, 'web-v2'), 0.3, N), `canary share ${JSON.stringify(got)}`);
    assert.deepEqual(await count(url('web-stable'), 20, { 'x-canary': 'always' }), { 'web-v2-a': 20 });
    assert.equal(sum(await count(url('web-stable'), 40, { 'x-canary': 'never' }), 'web-v2'), 0);
  });

  it('exports Istio metrics in Prometheus format and answers the JSON query API', async () => {
    const text = await (await fetch(`${metricsServer.url}/metrics`)).text();
    assert.match(text, /# TYPE istio_requests_total counter/);
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('istio_requests_total{') &&
          l.includes('source_workload="loadgen"') &&
          l.includes('destination_version="v2"'),
      );
    assert.ok(line, 'a series for the canary version');
    assert.match(line!, /destination_workload="web-v2"/);
    assert.match(line!, /destination_service="web\.default\.svc\.cluster\.local"/);
    assert.match(line!, /response_code="200"/);
    assert.match(line!, /reporter="destination"/);
    assert.match(text, /istio_request_duration_milliseconds_bucket\{.*le="\+Inf"\} \d+/);
    assert.match(text, /istio_request_duration_milliseconds_sum\{/);
    assert.match(text, /istio_request_duration_milliseconds_count\{/);
    assert.match(text, /destination_service="empty\.default\.svc\.cluster\.local".*response_code="503"/);
    const q = (await (
      await fetch(`${metricsServer.url}/query?service=web&namespace=default&since=600000`)
    ).json()) as {
      destinations: Array<{
        workload: string;
        version: string;
        requests: number;
        errors: number;
        p99: number;
      }>;
    };
    const v2 = q.destinations.find((d) => d.workload === 'web-v2')!;
    const v1 = q.destinations.find((d) => d.workload === 'web-v1')!;
    assert.equal(v1.requests + v2.requests, N + 50);
    assert.equal(v2.version, 'v2');
    assert.equal(v2.errors, 0);
    assert.ok(v2.p99 >= 0);
  });
});
