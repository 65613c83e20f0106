import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BlueGreenStrategy } from '../../config/schema.ts';
import { BLUE_GREEN_PHASES as P, planBlueGreen } from './blue-green-plan.ts';

const bg = (o: Partial<BlueGreenStrategy> = {}): BlueGreenStrategy => ({
  type: 'blueGreen',
  autoPromotion: true,
  scaleDownDelay: '30s',
  ...o,
});

test('the first release deploys blue and makes it active', () => {
  const p = planBlueGreen(bg({ autoPromotion: false, prePromotionAnalysis: { templates: ['x'] } }), {
    active: undefined,
    replicas: 3,
  });
  assert.equal(p.target, 'blue');
  assert.deepEqual(p.phases, [P.deploy, P.switch]);
  const checked = planBlueGreen(bg(), {
    active: undefined,
    replicas: 3,
    smoke: { preview: true, active: true },
    postDeployHooks: true,
  });
  assert.deepEqual(checked.phases, [P.deploy, P.switch, P.postDeploy, P.smokeActive], 'no preview yet');
});

test('a later release goes to the idle colour with every check in order', () => {
  const p = planBlueGreen(
    bg({
      autoPromotion: false,
      prePromotionAnalysis: { templates: ['smoke'] },
      postPromotionAnalysis: { templates: ['success-rate'] },
      scaleDownDelay: '2s',
      previewReplicas: 1,
    }),
    { active: 'blue', replicas: 3, smoke: { preview: true, active: true }, postDeployHooks: true },
  );
  assert.equal(p.target, 'green');
  assert.equal(p.previewReplicas, 1);
  assert.equal(p.scaleDownDelayMs, 2000);
  assert.deepEqual(p.phases, [
    P.deploy,
    P.smoke,
    P.preAnalysis,
    P.awaitPromote,
    P.switch,
    P.postAnalysis,
    P.postDeploy,
    P.smokeActive,
    P.scaleDown,
  ]);
  assert.deepEqual(p.preAnalysis, ['smoke']);
  assert.deepEqual(p.postAnalysis, ['success-rate']);
});

test('green active → blue; auto promotion without analysis is deploy, switch, scale down', () => {
  const p = planBlueGreen(bg(), { active: 'green', replicas: 2 });
  assert.equal(p.target, 'blue');
  assert.equal(p.previewReplicas, 2);
  assert.deepEqual(p.phases, [P.deploy, P.switch, P.scaleDown]);
});
