// The web provider against a small HTTP server on loopback, and the job provider with a fake runJob.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createProviders } from '../../src/analysis/providers/index.ts';
import type { AnalysisJobSpec } from '../../src/analysis/providers/job.ts';
import { parseJsonPath, webProvider } from '../../src/analysis/providers/web.ts';
import { runAnalysis } from '../../src/analysis/run.ts';
import { metricSchema } from '../../src/config/schema.ts';

describe('web provider', () => {
  let server: Server | undefined;
  let base = '';
  const seen: Array<{ url: string; auth: string | undefined }> = [];
  const timers = new Set<NodeJS.Timeout>();

  before(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization });
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      switch (req.url?.split('?')[0]) {
        case '/health':
          return json(200, {
            data: {
              value: 0.995,
              ok: true,
              down: false,
              text: '12.5',
              items: [{ x: 3 }, { x: 4 }],
              list: [1, 2],
            },
            'odd key': 7,
            nothing: null,
          });
        case '/down':
          return res.writeHead(503).end('maintenance');
        case '/text':
          return res.writeHead(200).end('fine');
        case '/number':
          return json(200, 42);
        case '/slow': {
          const t = setTimeout(() => json(200, 1), 2000);
          timers.add(t);
          return;
        }
        default:
          return res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const t of timers) clearTimeout(t);
    server?.closeAllConnections();
    await new Promise<void>((r) => server?.close(() => r()));
  });

  const measure = (url: string, o: Record<string, unknown> = {}, args: Record<string, string> = {}) =>
    webProvider().measure(
      metricSchema.parse({ name: 'web', provider: { web: { url, ...o } } }),
      args,
      AbortSignal.timeout(5000),
    );

  const paths: Array<[string, unknown]> = [
    ['$.data.value', 0.995],
    ['data.value', 0.995],
    ['data.ok', 1],
    ['$.data.down', 0],
    ['data.text', 12.5],
    ['data.items[0].x', 3],
    ['$.data.items[1].x', 4],
    ['data.list', [1, 2]],
    ['$["odd key"]', 7],
    ["$['odd key']", 7],
    ['nothing', undefined],
    ['data.missing', undefined],
    ['data.items[5].x', undefined],
  ];
  for (const [path, want] of paths) {
    test(`jsonPath ${path} → ${JSON.stringify(want)}`, async () => {
      assert.deepEqual((await measure(`${base}/health`, { jsonPath: path })).value, want);
    });
  }

  test('without jsonPath: a JSON number is the result, any other 2xx body is 1', async () => {
    assert.equal((await measure(`${base}/number`)).value, 42);
    assert.equal((await measure(`${base}/text`)).value, 1);
    assert.equal((await measure(`${base}/health`)).value, 1);
  });

  test('{{args}} in the URL and headers', async () => {
    await measure(
      `${base}/health?svc={{args.service}}`,
      { headers: { authorization: 'Bearer {{ args.token }}' } },
      {
        service: 'booking',
        token: 's3cret',
      },
    );
    assert.deepEqual(seen.at(-1), { url: '/health?svc=booking', auth: 'Bearer s3cret' });
    await assert.rejects(
      measure(`${base}/health?svc={{args.servce}}`, {}, { service: 'x' }),
      /Did you mean|args.servce/,
    );
  });

  test('errors: non-2xx, not a number, not JSON, timeout, unreachable', async () => {
    await assert.rejects(
      measure(`${base}/down`),
      /web: GET http:\/\/127.0.0.1:\d+\/down answered 503: maintenance/,
    );
    await assert.rejects(
      measure(`${base}/health`, { jsonPath: 'data.items' }),
      /web: data.items is \[\{"x":3\}/,
    );
    await assert.rejects(measure(`${base}/text`, { jsonPath: 'a' }), /did not answer JSON/);
    await assert.rejects(measure(`${base}/slow`, { timeout: '200ms' }), /took longer than 200ms/);
    await assert.rejects(measure('http://127.0.0.1:1/'), /web: cannot reach http:\/\/127.0.0.1:1\//);
  });

  test('parseJsonPath', () => {
    assert.deepEqual(parseJsonPath('$.a.b[0]["c d"]'), ['a', 'b', 0, 'c d']);
    assert.deepEqual(parseJsonPath('items[2]'), ['items', 2]);
    assert.throws(() => parseJsonPath('$.a..b'), /jsonPath "\$.a..b": cannot read "..b"/);
  });
});

describe('job provider', () => {
  test('succeeded → 1 (Successful), failed → 0 (Failed, with the tail of the logs); args filled in', async () => {
    const specs: AnalysisJobSpec[] = [];
    let succeed = true;
    const providers = createProviders({
      runJob: async (spec) => {
        specs.push(spec);
        return succeed
          ? { succeeded: true }
          : { succeeded: false, logs: 'line 1\nline 2\nFAIL: 3 smoke tests\n' };
      },
    });
    const templates = [
      {
        name: 'smoke',
        template: {
          args: ['service'],
          metrics: [
            metricSchema.parse({
              name: 'smoke-tests',
              provider: {
                job: {
                  image: 'ghcr.io/acme/smoke:1',
                  command: ['run'],
                  args: ['--target', 'http://{{args.service}}'],
                },
              },
              count: 1,
            }),
          ],
        },
      },
    ];
    const ok = await runAnalysis(templates, { service: 'booking' }, providers);
    assert.equal(ok.phase, 'Successful');
    assert.deepEqual(specs[0], {
      metric: 'smoke-tests',
      image: 'ghcr.io/acme/smoke:1',
      command: ['run'],
      args: ['--target', 'http://booking'],
    });
    succeed = false;
    const bad = await runAnalysis(templates, { service: 'booking' }, providers);
    assert.equal(bad.phase, 'Failed');
    assert.equal(bad.measurements[0]!.value, 0);
    assert.equal(
      bad.measurements[0]!.message,
      'successCondition `result == 1` is false; job failed: line 1 | line 2 | FAIL: 3 smoke tests',
    );
  });

  test('without runJob, job metrics are refused before the analysis starts', async () => {
    const m = metricSchema.parse({ name: 'smoke', provider: { job: { image: 'x' } } });
    await assert.rejects(
      runAnalysis([{ name: 't', template: { metrics: [m] } }], {}, createProviders()),
      /no job provider is available here/,
    );
  });
});
