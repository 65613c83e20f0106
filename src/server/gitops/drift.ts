// Drift of live objects from the last release, noticed by watching rather than by polling: a watch per
// kind slipway renders that people edit by hand (Deployments, Services, ConfigMaps), in the
// environment's namespace and limited to the objects slipway owns there. Any change asks for a check
// (debounced: a rollout changes a Deployment many times a second); the check itself compares the live
// objects with the last release's manifests as `slipway plan` does (plan-read.ts, plan.ts), so the API
// and the CLI never disagree about what drifted.
import type { KubeClient } from '../../kube/client.ts';
import type { EnvironmentPlan } from '../../promotion/plan.ts';
import { RELEASE_STATUS } from '../../release/history-codec.ts';
import type { SlipwayError } from '../../shared/errors.ts';
import { LABELS } from '../../shared/kube-types.ts';

/** The kinds watched: those a person edits with kubectl (scale, edit, patch). */
export const WATCHED_KINDS = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
] as const;

export interface DriftEntry {
  service: string;
  /** Kind/namespace/name. */
  key: string;
  /** `spec.replicas: 1 applied, 3 live`, or `deleted …`. */
  fields: string[];
}

/**
 * The drift of a plan, per object. A service whose newest release is still running (started by anyone)
 * is left out: its live objects are between two releases, which is no drift.
 */
export function driftOfPlan(plan: EnvironmentPlan): DriftEntry[] {
  return plan.services
    .filter((s) => s.latest?.status !== RELEASE_STATUS.pending)
    .flatMap((s) => s.drift.map((d) => ({ service: s.service, key: d.key, fields: d.fields })));
}

export interface DriftWatch {
  stop(): void;
}

/** Watches the environment's slipway-owned objects; `onChange` is called at most once per `debounceMs`. */
export async function watchOwnedObjects(
  client: KubeClient,
  o: {
    platform: string;
    environment: string;
    namespace: string;
    onChange: () => void;
    onError: (e: SlipwayError) => void;
    debounceMs?: number;
  },
): Promise<DriftWatch> {
  const labelSelector = [
    `${LABELS.managedBy}=slipway`,
    `${LABELS.platform}=${o.platform}`,
    `${LABELS.environment}=${o.environment}`,
  ].join(',');
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const changed = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped) o.onChange();
    }, o.debounceMs ?? 300);
  };
  const watches: Array<{ stop(): void }> = [];
  try {
    for (const k of WATCHED_KINDS)
      watches.push(
        await client.watch(
          k.apiVersion,
          k.kind,
          { namespace: o.namespace, labelSelector, onError: o.onError },
          changed,
        ),
      );
  } catch (e) {
    for (const w of watches) w.stop();
    throw e;
  }
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      for (const w of watches) w.stop();
    },
  };
}
