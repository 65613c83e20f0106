// What a change to an environment's desired state does, for a reviewer: `slipway plan`'s comparison,
// the manifest diff (rendered desired manifests against those of the last applied release), the
// policy findings of the desired manifests, and the capacity before and after. One reader for
// `slipway plan --format markdown` and the description of `slipway promote --pull-request`, so that a
// CI job posting the plan on a pull request shows what the promotion's description showed.
import { createTwoFilesPatch } from 'diff';
import type { LoadedPlatform } from '../config/load.ts';
import { namespaceFor, strategyFor } from '../config/model.ts';
import type { KubeClient } from '../kube/client.ts';
import { type CapacityReport, computeCapacity } from '../policy/capacity.ts';
import { lintRenderedServices } from '../policy/lint.ts';
import { prepareServices } from '../policy/prepare.ts';
import type { Finding } from '../policy/types.ts';
import { comparable } from '../release/diff.ts';
import { toYaml } from '../render/index.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { type EnvironmentPlan, keyOf, type PlanInput, planEnvironment } from './plan.ts';
import { desiredServiceNames, readPlanInput, renderDesired } from './plan-read.ts';

export interface ManifestChange {
  service: string;
  key: string;
  action: 'create' | 'update' | 'delete';
  /** Unified diff, last applied → desired. */
  diff: string;
}

export interface PlanReport {
  plan: EnvironmentPlan;
  changes: ManifestChange[];
  findings: Finding[];
  capacity: { before: CapacityReport; after: CapacityReport };
  /** Set when nothing could be read from the cluster (what runs is then taken to be nothing). */
  offline?: string;
}

/**
 * The plan's input: from the cluster when a client is given, otherwise the desired state alone
 * against nothing running (as `slipway plan` does when the local cluster is not running).
 */
export async function planInputFor(
  platform: LoadedPlatform,
  env: string,
  client: KubeClient | undefined,
  services?: readonly string[],
): Promise<PlanInput> {
  if (client) return readPlanInput(client, platform, env, services ? { services } : {});
  return {
    environment: env,
    namespace: namespaceFor(platform, env),
    desired: await renderDesired(platform, env, services ?? desiredServiceNames(platform, env)),
    applied: new Map(),
    live: [],
  };
}

function unified(key: string, before: KubeObject | undefined, after: KubeObject | undefined): string {
  const a = before ? toYaml([comparable(before)!]) : '';
  const b = after ? toYaml([comparable(after)!]) : '';
  if (a === b) return '';
  return createTwoFilesPatch(`applied/${key}`, `desired/${key}`, a, b, '', '', { context: 3 });
}

/** Per object of each desired service: its rendered manifest against the last applied one. Pure. */
export function manifestChanges(input: PlanInput): ManifestChange[] {
  const out: ManifestChange[] = [];
  for (const d of input.desired) {
    const applied = new Map(
      (input.applied.get(d.service)?.manifests ?? []).map((m) => [keyOf(m, input.namespace), m]),
    );
    const keys = new Set<string>();
    for (const m of d.manifests) {
      const key = keyOf(m, input.namespace);
      keys.add(key);
      const before = applied.get(key);
      const diff = unified(key, before, m);
      if (diff) out.push({ service: d.service, key, action: before ? 'update' : 'create', diff });
    }
    for (const [key, m] of applied)
      if (!keys.has(key))
        out.push({ service: d.service, key, action: 'delete', diff: unified(key, m, undefined) });
  }
  return out;
}

/** Capacity of the desired services as last applied (before) and as desired (after). Pure. */
export function capacityChange(
  platform: LoadedPlatform,
  input: PlanInput,
): { before: CapacityReport; after: CapacityReport } {
  const of = (pick: (service: string, desired: KubeObject[]) => readonly KubeObject[]) =>
    computeCapacity({
      environment: input.environment,
      services: input.desired.map((d) => ({
        service: d.service,
        strategy: strategyFor(platform, d.service),
        objects: pick(d.service, d.manifests),
      })),
    });
  return {
    before: of((s) => input.applied.get(s)?.manifests ?? []),
    after: of((_, desired) => desired),
  };
}

/** Reads and compares: the plan, the manifest diff, the findings and the capacity of `env`. */
export async function readPlanReport(
  platform: LoadedPlatform,
  env: string,
  client: KubeClient | undefined,
  o: { services?: readonly string[] | undefined } = {},
): Promise<PlanReport> {
  const input = await planInputFor(platform, env, client, o.services);
  const names = input.desired.map((d) => d.service);
  const findings =
    names.length === 0
      ? []
      : (await lintRenderedServices(platform, env, await prepareServices(platform, env, { services: names })))
          .findings;
  return {
    plan: planEnvironment(input),
    changes: manifestChanges(input),
    findings,
    capacity: capacityChange(platform, input),
    ...(client ? {} : { offline: `the cluster of ${env} was not read (the local cluster is not running)` }),
  };
}
