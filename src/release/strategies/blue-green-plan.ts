// A blue-green release as a list of phases (document 004): the new version goes to the idle colour,
// is checked through the preview Service (smoke tests, then pre-promotion analysis), the active
// Service's selector switches, post-promotion analysis, post-deploy hooks and smoke tests against the
// active Service run (any failure switches back at once), and the old colour is kept for
// scaleDownDelay before it is scaled to 0. The very first release has no old colour: it deploys the
// active colour directly. Pre-deploy hooks come before all of these (the executor adds them). Pure.
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
  /** Stands for the post-deploy hooks, one step each in the executor's plan. */
  postDeploy: 'post-deploy hooks',
  smokeActive: 'smoke tests (active)',
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
  o: {
    active: Color | undefined;
    replicas: number;
    /** Smoke tests against the preview (before the switch) and the active Service (after). */
    smoke?: { preview?: boolean; active?: boolean };
    postDeployHooks?: boolean;
  },
): BlueGreenPlan {
  const first = o.active === undefined;
  const target: Color = first ? 'blue' : otherColor(o.active!);
  const phases: BlueGreenPhase[] = [BLUE_GREEN_PHASES.deploy];
  if (!first) {
    // Smoke tests first: they take milliseconds and fail fast, before minutes of analysis.
    if (o.smoke?.preview) phases.push(BLUE_GREEN_PHASES.smoke);
    if (strategy.prePromotionAnalysis) phases.push(BLUE_GREEN_PHASES.preAnalysis);
    if (strategy.autoPromotion === false) phases.push(BLUE_GREEN_PHASES.awaitPromote);
  }
  phases.push(BLUE_GREEN_PHASES.switch);
  if (!first && strategy.postPromotionAnalysis) phases.push(BLUE_GREEN_PHASES.postAnalysis);
  if (o.postDeployHooks) phases.push(BLUE_GREEN_PHASES.postDeploy);
  if (o.smoke?.active) phases.push(BLUE_GREEN_PHASES.smokeActive);
  // Last: until the release ends, the old colour runs at full size for an instant switch back.
  if (!first) phases.push(BLUE_GREEN_PHASES.scaleDown);
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
