// explainPromotion, pure: it answers as checkPromotion does (same reasons, same approvals), and adds only
// an open request in the way (as requestPromotion refuses it), an expired one not, and "already there".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LoadedPlatform, loadPlatform } from '../config/load.ts';
import type { DeploymentSeen, PromotionRecord } from '../store/types.ts';
import { type EligibilityInput, explainPromotion, isDue, overlaps } from './eligibility.ts';
import { checkPromotion } from './rules.ts';

const YAML = `apiVersion: slipway.dev/v1
kind: Platform
name: shop
services:
  web: {}
  api: {}
environments:
  - name: dev
  - name: stage
    promotion: { from: dev, soak: 1h }
  - name: prod
    promotion: { from: stage, approvals: 1 }
    roles:
      viewer: ['*']
      deployer: [developers]
      approver: [release-managers]
people:
  dana: { groups: [developers] }
  april: { groups: [release-managers] }
  vic: {}
`;

const NOW = new Date('2026-12-05T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const seen = (environment: string, version: string, finishedAt: string): DeploymentSeen => ({
  environment,
  service: 'web',
  version,
  digest: undefined,
  status: 'succeeded',
  finishedAt,
});
const open = (over: Partial<PromotionRecord> = {}): PromotionRecord => ({
  id: 7,
  service: 'web',
  versions: {},
  from: 'stage',
  to: 'prod',
  requester: 'dana',
  reason: undefined,
  hotfix: false,
  status: 'requested',
  approvalsNeeded: 1,
  createdAt: ago(5),
  decidedAt: undefined,
  expiresAt: undefined,
  ...over,
});

let dir: string;
let platform: LoadedPlatform;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-eligibility-'));
  writeFileSync(join(dir, 'slipway.yaml'), YAML);
  platform = await loadPlatform(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const input = (over: Partial<EligibilityInput> = {}): EligibilityInput => ({
  platform,
  from: 'stage',
  to: 'prod',
  service: 'web',
  user: 'dana',
  now: NOW,
  deployments: [seen('stage', 'v2', ago(120))],
  open: [],
  ...over,
});

describe('explainPromotion', () => {
  test('eligible: the version running in the source, the approvals and who may give them', () => {
    const e = explainPromotion(input());
    assert.equal(e.state, 'eligible');
    assert.deepEqual(e.reasons, []);
    assert.deepEqual(e.version, { version: 'v2' });
    assert.equal(e.approvalsNeeded, 1);
    assert.deepEqual(e.approverNames, ['april']);
    assert.equal(e.approvers, 'approver: release-managers');
  });

  test("refused: exactly checkPromotion's reasons (soak, role)", () => {
    const young = input({ from: 'dev', to: 'stage', deployments: [seen('dev', 'v3', ago(10))] });
    const e = explainPromotion(young);
    assert.equal(e.state, 'blocked');
    const check = checkPromotion({ ...young, hotfix: false });
    assert.ok(!check.allowed);
    assert.deepEqual(e.reasons, check.reasons);
    assert.match(e.reasons[0]!, /has run in dev for 10m.* of the required 1h/);

    const vic = explainPromotion(input({ user: 'vic' }));
    assert.equal(vic.state, 'blocked');
    assert.match(vic.reasons.join('\n'), /vic may not deploy to prod/);

    const nothing = explainPromotion(input({ deployments: [] }));
    assert.match(nothing.reasons[0]!, /web has no succeeded release in stage/);
  });

  test('an open request of the same service is in the way; of another service, or expired, it is not', () => {
    const e = explainPromotion(input({ open: [open()] }));
    assert.equal(e.state, 'pending');
    assert.deepEqual(e.reasons, ['promotion #7 of web to prod is already requested']);
    assert.deepEqual(e.pending, { id: 7, status: 'requested', requester: 'dana' });
    assert.equal(explainPromotion(input({ open: [open({ service: 'api' })] })).state, 'eligible');
    assert.equal(explainPromotion(input({ open: [open({ service: 'all' })] })).state, 'pending');
    const expired = open({ expiresAt: ago(1) });
    assert.ok(isDue(expired, NOW));
    assert.equal(explainPromotion(input({ open: [expired] })).state, 'eligible');
    assert.ok(overlaps(open({ service: 'api' }), 'all'));
  });

  test('the target runs the same version already: nothing to move', () => {
    const e = explainPromotion(input({ targetRuns: { version: 'v2' } }));
    assert.equal(e.state, 'current');
    assert.equal(explainPromotion(input({ targetRuns: { version: 'v1' } })).state, 'eligible');
  });
});
