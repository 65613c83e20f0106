// Every example platform × environment rendered through renderPlatform and snapshotted, plus the facts
// of document 000 checked on examples/appointments in production.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loadPlatform } from '../src/config/load.ts';
import { toYaml } from '../src/render/index.ts';
import { type RenderedService, renderPlatform } from '../src/render/platform.ts';
import type { KubeObject } from '../src/shared/kube-types.ts';
import { matchSnapshot } from './support/snapshot.ts';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');
const examples = readdirSync(EXAMPLES)
  .filter((d) => statSync(join(EXAMPLES, d)).isDirectory())
  .sort();

describe('render examples', () => {
  for (const example of examples) {
    test(`${example}: every environment renders and matches its snapshot`, async () => {
      const p = await loadPlatform(join(EXAMPLES, example));
      for (const env of p.environments) {
        const rendered = await renderPlatform(p, env.name);
        assert.ok(rendered.length > 0);
        const text = toYaml(rendered.flatMap((r) => r.objects));
        matchSnapshot(`examples-${example}-${env.name}`, text);
        const docs = parseAllDocuments(text, { version: '1.1' }) as Array<{ errors: unknown[] }>;
        assert.ok(docs.every((d) => d.errors.length === 0));
      }
    });
  }
});

describe('examples/appointments in production (document 000)', async () => {
  const SIX = ['availability', 'booking', 'notification', 'patient', 'practitioner', 'search'];
  let rendered: RenderedService[] = [];
  const of = (service: string, kind: string): KubeObject[] =>
    rendered.find((r) => r.service === service)!.objects.filter((o) => o.kind === kind);
  // biome-ignore lint/suspicious/noExplicitAny: tests read nested manifest data
  const spec = (o: KubeObject | undefined) => (o as any).spec;

  test('renders all six services', async () => {
    rendered = await renderPlatform(await loadPlatform(join(EXAMPLES, 'appointments')), 'production');
    assert.deepEqual(rendered.map((r) => r.service).sort(), SIX);
  });

  test('a Deployment, Service, HPA, PDB and ServiceAccount for each', () => {
    for (const s of SIX) {
      for (const kind of [
        'Deployment',
        'Service',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'ServiceAccount',
      ]) {
        assert.ok(of(s, kind).length >= 1, `${s} has no ${kind}`);
      }
    }
  });

  test('PDB minAvailable 2 and scale-down stabilisation 600 s everywhere', () => {
    for (const s of SIX) {
      assert.equal(spec(of(s, 'PodDisruptionBudget')[0]).minAvailable, 2, s);
      assert.equal(
        spec(of(s, 'HorizontalPodAutoscaler')[0]).behavior.scaleDown.stabilizationWindowSeconds,
        600,
        s,
      );
    }
  });

  test("search runs on the search node group: node selector and the taint's toleration", () => {
    const pod = spec(of('search', 'Deployment')[0]).template.spec;
    assert.deepEqual(pod.nodeSelector, { workload: 'search' });
    assert.deepEqual(pod.tolerations, [
      { key: 'workload', operator: 'Equal', value: 'search', effect: 'NoSchedule' },
    ]);
    for (const s of SIX.filter((x) => x !== 'search')) {
      assert.equal(spec(of(s, 'Deployment')[0]).template.spec.tolerations, undefined, s);
    }
  });

  test('no CPU limits, memory limits set', () => {
    for (const s of SIX) {
      for (const d of of(s, 'Deployment')) {
        for (const c of spec(d).template.spec.containers) {
          assert.equal(c.resources.limits?.cpu, undefined, `${s}/${c.name}`);
          assert.ok(c.resources.limits?.memory, `${s}/${c.name}`);
        }
      }
    }
  });

  test('IRSA role annotations on booking and search; canaries route with Istio, the rest roll', () => {
    for (const s of ['booking', 'search']) {
      const sa = of(s, 'ServiceAccount')[0]!;
      assert.match(sa.metadata.annotations?.['eks.amazonaws.com/role-arn'] ?? '', /^arn:aws:iam::/);
    }
    for (const s of ['booking', 'availability', 'patient']) {
      assert.equal(of(s, 'VirtualService').length, 1, s);
      assert.ok(of(s, 'Service').some((o) => o.metadata.name === `${s}-canary`));
    }
    for (const s of ['search', 'notification', 'practitioner'])
      assert.equal(of(s, 'VirtualService').length, 0, s);
  });
});

describe('slipway render (the command)', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'slipway.js');
  const dir = join(EXAMPLES, 'appointments');
  // spawnSync with a timeout: the child always ends (killed at the timeout at worst) before the test does.
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, '-C', dir, 'render', ...args], { encoding: 'utf8', timeout: 30_000 });

  test('prints the same YAML as renderPlatform; --set applies; unknown names exit 2 with a suggestion', async () => {
    const r = run('search', '--env', 'production', '--set', 'replicaCount=5', '--no-lint');
    assert.equal(r.status, 0, r.stderr);
    const p = await loadPlatform(dir);
    const expected = await renderPlatform(p, 'production', {
      services: ['search'],
      overrides: { set: ['replicaCount=5'] },
    });
    assert.equal(r.stdout, toYaml(expected[0]!.objects));
    assert.match(r.stdout, /replicas: 5/);
    const bad = run('--env', 'prod');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /did you mean "production"/);
  });

  test('--output-dir writes <dir>/<service>/<kind>-<name>.yaml', () => {
    const out = mkdtempSync(join(tmpdir(), 'slipway-render-'));
    try {
      const r = run('booking', '--env', 'production', '--output-dir', out);
      assert.equal(r.status, 0, r.stderr);
      const files = readdirSync(join(out, 'booking')).sort();
      assert.ok(files.includes('deployment-booking.yaml'));
      assert.ok(files.includes('virtualservice-booking.yaml'));
      assert.match(
        readFileSync(join(out, 'booking', 'deployment-booking.yaml'), 'utf8'),
        /^apiVersion: apps\/v1\nkind: Deployment\n/,
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
