import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadPlatform } from '../../config/load.ts';
import { metricSchema, platformSchema } from '../../config/schema.ts';
import { isSlipwayError } from '../../shared/errors.ts';
import { runAnalysis } from '../run.ts';
import { createProviders, providersConfigFor } from './index.ts';
import { prometheusProvider } from './prometheus.ts';

interface Seen {
  url: string;
  headers: Record<string, string>;
}

/** A fetch that answers every query with the scalar 1 and remembers what it was sent. */
function recordingFetch(): typeof fetch & { seen: Seen[] } {
  const seen: Seen[] = [];
  const f = async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(input), headers: { ...(init?.headers as Record<string, string>) } });
    return new Response(
      JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [0, '1'] } }),
    );
  };
  return Object.assign(f as typeof fetch, { seen });
}

const metric = (prometheus: Record<string, unknown>) =>
  metricSchema.parse({ name: 'm', provider: { prometheus: { query: 'up', ...prometheus } } });
const signal = () => AbortSignal.timeout(5000);
const config = {
  address: 'http://127.0.0.1:9090',
  headers: { 'X-Scope-OrgID': 'team-a' },
  bearerTokenEnv: 'PROM_TOKEN',
};

describe('prometheus provider configuration', () => {
  test('the configured address, headers and bearer token (read from the named variable)', async () => {
    const f = recordingFetch();
    const p = prometheusProvider({ config, env: { PROM_TOKEN: 's3cret' }, fetch: f });
    assert.deepEqual(await p.measure(metric({}), {}, signal()), { value: 1 });
    assert.equal(f.seen[0]!.url, 'http://127.0.0.1:9090/api/v1/query');
    assert.equal(f.seen[0]!.headers['X-Scope-OrgID'], 'team-a');
    assert.equal(f.seen[0]!.headers.authorization, 'Bearer s3cret');
  });

  test("a metric's own address wins, and gets neither the headers nor the token", async () => {
    const f = recordingFetch();
    const p = prometheusProvider({ config, env: { PROM_TOKEN: 's3cret' }, fetch: f });
    await p.measure(metric({ address: 'http://127.0.0.2:9090' }), {}, signal());
    assert.equal(f.seen[0]!.url, 'http://127.0.0.2:9090/api/v1/query');
    assert.equal(f.seen[0]!.headers.authorization, undefined);
    assert.equal(f.seen[0]!.headers['X-Scope-OrgID'], undefined);
    // The same server written with a trailing slash is the configured one.
    await p.measure(metric({ address: 'http://127.0.0.1:9090/' }), {}, signal());
    assert.equal(f.seen[1]!.headers.authorization, 'Bearer s3cret');
  });

  test('no address, or a token variable that is not set, refuses the run before measuring', async () => {
    const f = recordingFetch();
    const templates = [{ name: 't', template: { metrics: [metric({})] } }];
    await assert.rejects(
      runAnalysis(templates, {}, { prometheus: prometheusProvider({ fetch: f }) }),
      (e: unknown) =>
        isSlipwayError(e) &&
        e.type === 'config' &&
        /metric m: no Prometheus address/.test(e.message) &&
        /analysisProviders\.prometheus\.address/.test(e.hint ?? ''),
    );
    await assert.rejects(
      runAnalysis(templates, {}, { prometheus: prometheusProvider({ config, env: {}, fetch: f }) }),
      /the Prometheus bearer token variable PROM_TOKEN is not set/,
    );
    assert.equal(f.seen.length, 0);
  });

  test('an unreachable Prometheus is an Error measurement naming the address; the fifth ends the metric', async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    };
    const m = metricSchema.parse({
      name: 'm',
      provider: { prometheus: { query: 'up' } },
      interval: '1ms',
      count: 4,
    });
    const r = await runAnalysis(
      [{ name: 't', template: { metrics: [m] } }],
      {},
      createProviders({ config: { prometheus: { address: 'http://127.0.0.1:9' } }, fetch: refused }),
    );
    assert.equal(r.phase, 'Error');
    assert.equal(r.measurements.length, 5);
    assert.equal(
      r.measurements[0]!.message,
      'prometheus: cannot reach http://127.0.0.1:9/api/v1/query: connect ECONNREFUSED 127.0.0.1:9',
    );
  });
});

describe('analysisProviders in slipway.yaml', () => {
  const platform = (extra: Record<string, unknown>, env: Record<string, unknown> = {}) =>
    platformSchema.safeParse({
      apiVersion: 'slipway.dev/v1',
      kind: 'Platform',
      name: 'p',
      services: { a: {} },
      environments: [{ name: 'dev' }, { name: 'prod', ...env }],
      ...extra,
    });

  test("an environment's provider entry replaces the platform's whole entry", () => {
    const parsed = platform(
      { analysisProviders: { prometheus: config } },
      { analysisProviders: { prometheus: { address: 'http://127.0.0.3:9090' } } },
    );
    assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
    assert.deepEqual(providersConfigFor(parsed.data, 'dev'), { prometheus: config });
    assert.deepEqual(providersConfigFor(parsed.data, 'prod'), {
      prometheus: { address: 'http://127.0.0.3:9090' },
    });
  });

  test('an Authorization header, a token-looking variable name or a bad address is refused', () => {
    const bad = [
      { address: 'http://127.0.0.1:9090', headers: { Authorization: 'Bearer x' } },
      { address: 'http://127.0.0.1:9090', bearerTokenEnv: 'eyJhbGciOi.JIUzI1NiJ9' },
      { address: '127.0.0.1:9090' },
    ];
    for (const prometheus of bad) {
      const parsed = platform({ analysisProviders: { prometheus } });
      assert.equal(parsed.success, false, JSON.stringify(prometheus));
    }
    const auth = platform({ analysisProviders: { prometheus: bad[0] } });
    assert.match(JSON.stringify(auth.error?.issues), /use bearerTokenEnv/);
  });
});

describe('examples/ehealth', () => {
  test("its canary's Prometheus metrics query the platform's Prometheus on 127.0.0.1", async () => {
    const { platform } = await loadPlatform(new URL('../../../examples/ehealth', import.meta.url).pathname);
    const f = recordingFetch();
    const providers = createProviders({ config: providersConfigFor(platform, 'prod'), fetch: f });
    const metrics = platform.analysis!['prometheus-canary-health']!.metrics;
    const args = { service: 'telemed-api', namespace: 'ehealth-prod' };
    for (const m of metrics) {
      providers.prometheus!.check?.(m, args);
      await providers.prometheus!.measure(m, args, signal());
    }
    assert.deepEqual(
      f.seen.map((s) => s.url),
      metrics.map(() => 'http://127.0.0.1:9090/api/v1/query'),
    );
  });
});
