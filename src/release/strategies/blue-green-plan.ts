// A blue-green release as a list of phases (document 004): the new version goes to the idle colour,
// is checked through the preview Service, the active Service's selector switches, post-promotion
// analysis runs (failure switches back at once), and the old colour is kept for scaleDownDelay before
// it is scaled to 0. The very first release has no old colour: it deploys the active colour directly.
// Pure.
import type { BlueGreenStrategy } from '../../config/schema.ts';
import { parseDuration } from '../../shared/duration.ts';

export type Color = 'blue' | 'green';

export const BLUE_GREEN_PHASES = {
  deploy: 'deploy idle colour',
  preAnalysis: 'pre-promotion analysis',
  smoke: 'smoke tests (preview)',
  awaitPromote: 'await promotion',
  switch: 'switch active Service',
  postAnalysis: 'post-promotion analysis',
  scaleDown: 'scale down old colour',
} as const;

export type BlueGreenPhase = (typeof BLUE_GREEN_PHASES)[keyof typeof BLUE_GREEN_PHASES];

export interface BlueGreenPlan {
  /** The colour serving now (undefined on the first release). */
  active: Color | undefined;
  /** The colour the new version goes to. */
  target: Color;
  /** Pods of the new colour while it is previewed, and once it is active. */
  previewReplicas: number;
  replicas: number;
  phases: BlueGreenPhase[];
  scaleDownDelayMs: number;
  preAnalysis?: string[];
  postAnalysis?: string[];
}

export const otherColor = (c: Color): Color => (c === 'blue' ? 'green' : 'blue');

export function planBlueGreen(
  strategy: BlueGreenStrategy,
  o: { active: Color | undefined; replicas: number; smokeTests?: boolean },
): BlueGreenPlan {
  const first = o.active === undefined;
  const target: Color = first ? 'blue' : otherColor(o.active!);
  const phases: BlueGreenPhase[] = [BLUE_GREEN_PHASES.deploy];
  if (!first) {
    if (strategy.prePromotionAnalysis) phases.push(BLUE_GREEN_PHASES.preAnalysis);
    if (o.smokeTests) phases.push(BLUE_GREEN_PHASES.smoke);
    if (strategy.autoPromotion === false) phases.push(BLUE_GREEN_PHASES.awaitPromote);
  }
  phases.push(BLUE_GREEN_PHASES.switch);
  if (!first) {
    if (strategy.postPromotionAnalysis) phases.push(BLUE_GREEN_PHASES.postAnalysis);
    phases.push(BLUE_GREEN_PHASES.scaleDown);
  }
  return {
    active: o.active,
    target,
    previewReplicas: first ? o.replicas : Math.min(o.replicas, strategy.previewReplicas ?? o.replicas),
    replicas: o.replicas,
    phases,
    scaleDownDelayMs: parseDuration(strategy.scaleDownDelay ?? '30s'),
    ...(strategy.prePromotionAnalysis ? { preAnalysis: [...strategy.prePromotionAnalysis.templates] } : {}),
    ...(strategy.postPromotionAnalysis
      ? { postAnalysis: [...strategy.postPromotionAnalysis.templates] }
      : {}),
  };
}
