// Step 6 of the demo: budget's backend (blue-green) in its own namespace on the same cluster — v1,
// the switch to v2 under load, then `rollback()` within the scale-down delay, which only switches the
// active Service back. Answers the timeline text and figures; throws DemoStepFailure otherwise.
import type { LoadedPlatform } from '../config/load.ts';
import { deploy, RELEASE_STATUS, rollback } from '../release/index.ts';
import { type Load, type LoadSummary, startLoad } from './load.ts';
import { clientFor, DemoStepFailure, fmt, lineEvents, sleep, stepTimes, urlOf } from './support.ts';

const BG_RATE = 20;

export async function blueGreenStep(o: {
  budget: LoadedPlatform;
  kubeconfig: string;
  say: (s: string) => void;
  loads: Load[];
}): Promise<{ text: string; summary: string; figures: Record<string, unknown> }> {
  const { budget, say } = o;
  const bgEnv = 'staging';
  const bg = await clientFor(budget, bgEnv, o.kubeconfig);
  const bgRelease = (tag: string) =>
    deploy(
      bg,
      {
        platform: budget,
        service: 'backend',
        environment: bgEnv,
        overrides: { imageTag: tag },
        user: 'demo',
        reason: 'slipway demo',
      },
      lineEvents(say, `backend ${tag}`),
    );
  say(`budget backend (blue-green) in ${bg.target.namespace} on the same cluster`);
  const b1 = await bgRelease('v1');
  if (b1.status !== RELEASE_STATUS.deployed) throw new DemoStepFailure(`backend v1: ${b1.failure?.reason}`);
  const bgUrl = await urlOf(bg, 'backend');
  const bgLoad = startLoad(bgUrl, { rate: BG_RATE, maxMs: 120_000 });
  o.loads.push(bgLoad);
  await sleep(1500);
  const sb2 = Date.now();
  const b2 = await bgRelease('v2');
  const eb2 = Date.now();
  if (b2.status !== RELEASE_STATUS.deployed) throw new DemoStepFailure(`backend v2: ${b2.failure?.reason}`);
  const switched = stepTimes(b2).get('switch active Service');
  await sleep(1500);
  const sr = Date.now();
  const back = await rollback(
    bg,
    {
      platform: budget,
      service: 'backend',
      environment: bgEnv,
      user: 'demo',
      reason: 'slipway demo: instant rollback',
    },
    lineEvents(say, 'backend rollback'),
  );
  const er = Date.now();
  if (back.status !== RELEASE_STATUS.deployed)
    throw new DemoStepFailure(`rollback of backend: ${back.failure?.reason}`);
  await sleep(1500);
  await bgLoad.stop();
  const beforeSwitch = bgLoad.summary(0, sb2);
  const afterSwitch = bgLoad.summary((switched?.end ?? eb2) + 300, sr);
  const afterBack = bgLoad.summary(er + 300, Date.now());
  const allBg = bgLoad.summary();
  const figures6 = {
    namespace: bg.target.namespace,
    switch: switched?.detail,
    rollbackSeconds: (er - sr) / 1000,
    rollbackSteps: back.steps.map((s) => s.name),
    beforeSwitch: beforeSwitch.byVersion,
    afterSwitch: afterSwitch.byVersion,
    afterRollback: afterBack.byVersion,
    failed: allBg.failed,
    requests: allBg.total,
  };
  const only = (s: LoadSummary, v: string) => Object.keys(s.byVersion).join() === v && s.ok > 0;
  if (!only(beforeSwitch, 'v1') || !only(afterSwitch, 'v2') || !only(afterBack, 'v1'))
    throw new DemoStepFailure(`responses did not switch versions as expected: ${JSON.stringify(figures6)}`);
  if (allBg.failed > 0)
    throw new DemoStepFailure(`${allBg.failed} of ${allBg.total} backend requests failed`);
  return {
    text: `backend v1 → switch to v2 (${switched?.detail ?? '?'}) → rollback in ${figures6.rollbackSeconds.toFixed(1)} s; answers ${fmt(beforeSwitch)} → ${fmt(afterSwitch)} → ${fmt(afterBack)}; ${allBg.failed}/${allBg.total} failed`,
    summary: `blue-green backend: switch v1 → v2, instant rollback in ${figures6.rollbackSeconds.toFixed(1)} s back to v1; ${allBg.failed}/${allBg.total} requests failed`,
    figures: figures6,
  };
}
