// prepareRelease on the values-basic fixture: the version, the ownership labels and namespace of the
// manifests, the values with their sources, and the lint report present unless skipped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type LoadedPlatform, loadPlatform } from '../config/load.ts';
import { renderPlatform } from '../render/platform.ts';
import { LABELS } from '../shared/kube-types.ts';
import { prepareRelease, prepareServices } from './prepare.ts';

const FIXTURE = fileURLToPath(new URL('../config/__fixtures__/values-basic', import.meta.url));
const DIGEST = `sha256:${'a'.repeat(64)}`;
let platform: LoadedPlatform | undefined;
const basic = async () => {
  platform ??= await loadPlatform(FIXTURE);
  return platform;
};

describe('prepareRelease', () => {
  test('the version, the values with their sources, and the manifests as deploy applies them', async () => {
    const p = await basic();
    const r = await prepareRelease(p, { service: 'booking', environment: 'production' });
    assert.deepEqual(r.version, { tag: '1.4.2' });
    assert.equal(r.namespace, 'shop-production');
    assert.deepEqual(r.ownership, { platform: 'shop', environment: 'production', service: 'booking' });
    // The desired state's replicas win over values/booking.yaml, and the merged values say so.
    assert.equal(r.values.values.replicaCount, 7);
    assert.equal(r.values.origin(['replicaCount'])?.layer.source, 'environments/production.yaml');
    // The chart's input (what a release records) adds the service's image repository.
    assert.equal(
      (r.context.values.image as { repository?: unknown }).repository,
      'registry.example.com/booking',
    );

    assert.ok(r.manifests.some((m) => m.kind === 'Deployment'));
    assert.equal(r.manifests.length, r.objects.length);
    for (const m of r.manifests) {
      assert.equal(m.metadata.namespace, 'shop-production', `${m.kind} namespace`);
      assert.equal(m.metadata.labels?.[LABELS.managedBy], 'slipway');
      assert.equal(m.metadata.labels?.[LABELS.platform], 'shop');
      assert.equal(m.metadata.labels?.[LABELS.environment], 'production');
      assert.equal(m.metadata.labels?.[LABELS.service], 'booking');
    }
    // `objects` are exactly what `slipway render` prints for the service.
    const [rendered] = await renderPlatform(p, 'production', { services: ['booking'] });
    assert.deepEqual(r.objects, rendered!.objects);
  });

  test('lints the one service at the policy level of the environment, unless lint is false', async () => {
    const p = await basic();
    const linted = await prepareRelease(p, { service: 'booking', environment: 'production' });
    assert.deepEqual(linted.report.environments, [{ name: 'production', level: 'standard' }]);
    assert.ok(linted.report.ok);
    // A tag without a digest is reported (info): the image is not pinned.
    assert.deepEqual(
      linted.report.findings.map((f) => [f.checkId, f.service, f.object]),
      [['SLW-IMG-002', 'booking', 'Deployment/shop-production/booking']],
    );

    const skipped = await prepareRelease(p, { service: 'booking', environment: 'production', lint: false });
    assert.equal('report' in skipped, false);
    assert.deepEqual(skipped.manifests, linted.manifests);
  });

  test('overrides reach the version; a loosened security setting is an error', async () => {
    const p = await basic();
    const r = await prepareRelease(p, {
      service: 'booking',
      environment: 'production',
      overrides: { imageTag: '2.0.0', digest: DIGEST, set: ['podSecurityContext.runAsNonRoot=false'] },
    });
    assert.deepEqual(r.version, { tag: '2.0.0', digest: DIGEST });
    assert.equal(r.report.ok, false);
    const errors = r.report.findings.filter((f) => f.severity === 'error' && !f.waived);
    assert.ok(
      errors.some((f) => f.message.includes('runAsNonRoot')),
      JSON.stringify(errors),
    );
  });

  test('prepareServices: every service of the environment, in platform order, unlinted', async () => {
    const p = await basic();
    const all = await prepareServices(p, 'production');
    assert.deepEqual(
      all.map((r) => r.service),
      ['booking', 'search'],
    );
    assert.ok(all.every((r) => !('report' in r)));
    await assert.rejects(prepareServices(p, 'production', { services: ['nope'] }), /nope/);
  });
});
