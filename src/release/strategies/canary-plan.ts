// A canary as a list of target states, one per step of the strategy: how many canary and stable pods,
// which weight and header route the router carries, and what to wait for before the next step (a
// timed pause, an indefinite pause until `slipway promote`, an analysis run), plus whether background
// analysis runs meanwhile. Pure: the caller passes N (the values' replicas, or the HPA's live count).
import type { CanaryStep, CanaryStrategy } from '../../config/schema.ts';
import { parseDuration } from '../../shared/duration.ts';
import { SlipwayError } from '../../shared/errors.ts';
import { basicCanarySplit, type CanaryScale, resolveMaxSurge, routedCanarySplit } from './replica-math.ts';

export type Router = 'istio' | 'gatewayAPI' | 'nginx' | 'none';

export interface HeaderMatch {
  headerName: string;
  headerValue: { exact: string } | { prefix: string } | { regex: string };
}

export interface HeaderRoute {
  name?: string;
  match: HeaderMatch[];
}

export type CanaryWait =
  | { kind: 'none' }
  | { kind: 'pause'; ms: number }
  | { kind: 'promote' }
  | { kind: 'analysis'; templates: string[]; args: Record<string, string> };

export interface CanaryTarget {
  /** Index of the step in strategy.steps. */
  index: number;
  /** `setWeight 20`, `pause 30s`, `pause (until promoted)`, `analysis success-rate`… */
  label: string;
  weight: number;
  canaryReplicas: number;
  stableReplicas: number;
  headerRoute?: HeaderRoute;
  wait: CanaryWait;
  /** Background analysis runs during this step (index ≥ startingStep). */
  background: boolean;
}

export interface CanaryPlan {
  router: Router;
  replicas: number;
  targets: CanaryTarget[];
  background?: { templates: string[]; startingStep: number };
}

export function routerOf(s: Pick<CanaryStrategy, 'trafficRouting'>): Router {
  const r = s.trafficRouting;
  if (!r) return 'none';
  if ('istio' in r) return 'istio';
  if ('gatewayAPI' in r) return 'gatewayAPI';
  return 'nginx';
}

/** Argo's current weight: the last setWeight at or before `index`; 100 past the last step, 0 aborted. */
export function currentWeight(steps: readonly CanaryStep[], index: number, aborted = false): number {
  if (aborted) return 0;
  if (index >= steps.length) return 100;
  let w = 0;
  for (let i = 0; i <= index && i < steps.length; i++) {
    const s = steps[i]!;
    if ('setWeight' in s) w = s.setWeight;
  }
  return w;
}

export function stepLabel(step: CanaryStep): string {
  if ('setWeight' in step) return `setWeight ${step.setWeight}`;
  if ('pause' in step) return step.pause.duration ? `pause ${step.pause.duration}` : 'pause (until promoted)';
  if ('analysis' in step) return `analysis ${step.analysis.templates.join(', ')}`;
  if ('setCanaryScale' in step) {
    const c = step.setCanaryScale;
    return 'replicas' in c
      ? `setCanaryScale replicas ${c.replicas}`
      : 'weight' in c
        ? `setCanaryScale weight ${c.weight}`
        : 'setCanaryScale matchTrafficWeight';
  }
  return step.setHeaderRoute.match?.length
    ? `setHeaderRoute ${step.setHeaderRoute.match.map((m) => m.headerName).join(', ')}`
    : 'setHeaderRoute (removed)';
}

function planError(message: string, index: number, hint: string): SlipwayError {
  return new SlipwayError('config', `canary step ${index + 1}: ${message}`, {
    hint,
    data: { path: `steps[${index}]` },
  });
}

/** Checks what a router can express: header routes need a router, NGINX one exact header. */
function checkHeaderRoute(router: Router, route: HeaderRoute, index: number): void {
  if (router === 'none') {
    throw planError(
      'setHeaderRoute needs a traffic router',
      index,
      'Add trafficRouting (istio, gatewayAPI or nginx) to the strategy, or remove the setHeaderRoute step.',
    );
  }
  if (router === 'nginx' && (route.match.length > 1 || route.match.some((m) => 'regex' in m.headerValue))) {
    throw planError(
      'NGINX canary annotations route by one header with an exact value (or a prefix written as exact)',
      index,
      'Use one match with headerValue.exact, or use istio or gatewayAPI.',
    );
  }
}

export interface CanaryPlanInput {
  /** N: the stable replica count (the HPA's current count when the service has one). */
  replicas: number;
}

/** The target state of every step; throws a config error for steps the router cannot carry out. */
export function planCanary(strategy: CanaryStrategy, input: CanaryPlanInput): CanaryPlan {
  const router = routerOf(strategy);
  const N = Math.max(0, input.replicas);
  const surge = resolveMaxSurge(strategy.maxSurge, N);
  const bg = strategy.backgroundAnalysis;
  const startingStep = bg?.startingStep ?? 0;
  let scale: CanaryScale | undefined;
  let headerRoute: HeaderRoute | undefined;
  const targets: CanaryTarget[] = strategy.steps.map((step, index) => {
    if ('setCanaryScale' in step) {
      const c = step.setCanaryScale;
      scale = 'matchTrafficWeight' in c ? undefined : c;
    }
    if ('setHeaderRoute' in step) {
      const match = step.setHeaderRoute.match ?? [];
      headerRoute =
        match.length > 0
          ? {
              ...(step.setHeaderRoute.name ? { name: step.setHeaderRoute.name } : {}),
              match: match.map((m) => ({ headerName: m.headerName, headerValue: { ...m.headerValue } })),
            }
          : undefined;
      if (headerRoute) checkHeaderRoute(router, headerRoute, index);
    }
    const weight = currentWeight(strategy.steps, index);
    // Without a router setCanaryScale cannot apply: the replica ratio is the traffic split (as in Argo).
    const split =
      router === 'none' ? basicCanarySplit(N, weight, surge) : routedCanarySplit(N, weight, scale);
    // A header route needs at least one canary pod to reach.
    if (headerRoute && split.canary === 0 && N > 0) split.canary = 1;
    let wait: CanaryWait = { kind: 'none' };
    if ('pause' in step) {
      wait = step.pause.duration
        ? { kind: 'pause', ms: parseDuration(step.pause.duration) }
        : { kind: 'promote' };
    } else if ('analysis' in step) {
      wait = {
        kind: 'analysis',
        templates: [...step.analysis.templates],
        args: { ...(step.analysis.args ?? {}) },
      };
    }
    return {
      index,
      label: stepLabel(step),
      weight,
      canaryReplicas: split.canary,
      stableReplicas: split.stable,
      ...(headerRoute ? { headerRoute } : {}),
      wait,
      background: bg !== undefined && index >= startingStep,
    };
  });
  return {
    router,
    replicas: N,
    targets,
    ...(bg ? { background: { templates: [...bg.templates], startingStep } } : {}),
  };
}

/** NGINX's canary-by-header from a header route (exact value, or a prefix used as the value). */
export function nginxHeader(route: HeaderRoute | undefined): { name: string; value?: string } | undefined {
  const m = route?.match[0];
  if (!m) return undefined;
  const v = m.headerValue;
  return { name: m.headerName, value: 'exact' in v ? v.exact : 'prefix' in v ? v.prefix : v.regex };
}
