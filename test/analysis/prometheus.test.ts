// The prometheus provider against a real Prometheus (Debian package `prometheus`), scraping a tiny
// metrics server of this test that exposes the local cluster proxy's istio_requests_total format with
// known counts: every scrape adds 97 responses 200 and 3 responses 503 for booking-canary.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { prometheusProvider } from '../../src/analysis/providers/prometheus.ts';
import { runAnalysis } from '../../src/analysis/run.ts';
import { metricSchema } from '../../src/config/schema.ts';
import { MeshMetrics } from '../../src/localcluster/proxy/metrics.ts';
import {
  freePort,
  type RunningPrometheus,
  skipWithoutPrometheus as skip,
  startPrometheus,
  until,
} from './prometheus-support.ts';

const SUCCESS_RATE = `sum(rate(istio_requests_total{reporter="destination",
  destination_workload_namespace="{{args.namespace}}",
  destination_workload="{{args.service}}-canary",response_code!~"5.."}[5s]))
  /
  sum(rate(istio_requests_total{reporter="destination",
  destination_workload_namespace="{{args.namespace}}",
  destination_workload="{{args.service}}-canary"}[5s]))`;

describe('prometheus provider against a real Prometheus', { skip }, () => {
  let target: Server | undefined;
  let prom: RunningPrometheus | undefined;
  let address = '';
  const args = { service: 'booking', namespace: 'shop' };
  const metric = (query: string, o: Record<string, unknown> = {}) =>
    metricSchema.parse({ name: 'm', provider: { prometheus: { address, query } }, ...o });
  const measure = (query: string) =>
    prometheusProvider().measure(metric(query), args, AbortSignal.timeout(10_000));

  before(async () => {
    const mesh = new MeshMetrics();
    const labels = {
      source: 'gateway',
      namespace: 'shop',
      service: 'booking',
      workload: 'booking-canary',
      version: 'v2',
    };
    target = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      for (let i = 0; i < 97; i++) mesh.record(labels, 200, 12);
      for (let i = 0; i < 3; i++) mesh.record(labels, 503, 40);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(mesh.prometheusText());
    });
    await new Promise<void>((r) => target!.listen(0, '127.0.0.1', r));
    const targetPort = (target.address() as AddressInfo).port;

    prom = await startPrometheus([`127.0.0.1:${targetPort}`]);
    address = prom.address;
    // Two scrapes at least, so that rate() over the target has samples.
    await until('two scrapes', async () => {
      const r = await measure(SUCCESS_RATE);
      return Array.isArray(r.value) && r.value.length === 1 ? r : undefined;
    });
  });

  after(async () => {
    await prom?.stop();
    if (target) {
      target.closeAllConnections();
      await new Promise<void>((r) => target!.close(() => r()));
    }
  });

  test('a success-rate PromQL with {{args}} gives a one-element vector', async () => {
    const r = await measure(SUCCESS_RATE);
    assert.ok(Array.isArray(r.value) && r.value.length === 1, JSON.stringify(r));
    assert.ok(Math.abs(r.value[0]! - 0.97) < 1e-9, `success rate ${r.value[0]}`);
  });

  test('instant counters: known counts give the exact ratio', async () => {
    const r = await measure(
      'sum(istio_requests_total{destination_workload="{{args.service}}-canary",response_code="503"}) / sum(istio_requests_total{destination_workload="{{args.service}}-canary"})',
    );
    assert.deepEqual(r.value, [0.03]);
  });

  test('through runAnalysis: result >= 0.99 fails, result >= 0.95 passes', async () => {
    const run = (successCondition: string) =>
      runAnalysis(
        [
          {
            name: 'prometheus-canary-health',
            template: {
              args: ['service', 'namespace'],
              metrics: [metric(SUCCESS_RATE, { interval: '100ms', count: 2, successCondition })],
            },
          },
        ],
        args,
        { prometheus: prometheusProvider() },
      );
    const bad = await run('result >= 0.99');
    assert.equal(bad.phase, 'Failed');
    assert.equal(bad.measurements.length, 1, 'stops at the first failing measurement');
    const good = await run('result >= 0.95');
    assert.equal(good.phase, 'Successful', good.message);
    assert.equal(good.measurements.length, 2);
  });

  test('an empty vector is no data', async () => {
    const r = await measure('sum(rate(istio_requests_total{destination_workload="nobody"}[5s]))');
    assert.equal(r.value, undefined);
  });

  test('a scalar is a number', async () => {
    assert.deepEqual(await measure('scalar(vector(0.5)) * 2'), { value: 1 });
  });

  test("PromQL errors carry Prometheus' message", async () => {
    await assert.rejects(
      measure('sum(rate(istio_requests_total[5s])'),
      /prometheus: bad_data: invalid parameter "query": .*parse error/,
    );
    await assert.rejects(measure('istio_requests_total[5s]'), /returned a matrix, not a number or vector/);
  });

  test('an unreachable Prometheus is a measurement error naming the address', async () => {
    const port = await freePort();
    const m = metricSchema.parse({
      name: 'm',
      provider: { prometheus: { address: `http://127.0.0.1:${port}`, query: '1' } },
    });
    await assert.rejects(
      prometheusProvider().measure(m, {}, AbortSignal.timeout(5000)),
      new RegExp(`prometheus: cannot reach http://127.0.0.1:${port}/api/v1/query`),
    );
  });
});
