// The reader of `slipway plan`: gathers its input in a fixed, small number of API calls however many
// services there are — one LIST of the release-history Secrets of the environment and one LIST per
// kind the manifests use (each by label selector, in the environment's namespace) — and renders every
// service of the desired state once. planEnvironment (plan.ts) then compares, purely.
import type { LoadedPlatform } from '../config/load.ts';
import { namespaceFor, serviceNames } from '../config/model.ts';
import type { KubeClient } from '../kube/client.ts';
import { prepareRelease } from '../policy/prepare.ts';
import {
  decodeRelease,
  historySelector,
  isReleaseSecret,
  RELEASE_STATUS,
  type ReleaseRecord,
} from '../release/history-codec.ts';
import { pruneKinds } from '../release/plan.ts';
import { type KubeObject, LABELS } from '../shared/kube-types.ts';
import type { AppliedRelease, DesiredService, PlanInput } from './plan.ts';

/** The services an environment's desired state manages, in apply order; all services when it names none. */
export function desiredServiceNames(platform: LoadedPlatform, env: string): string[] {
  const listed = Object.keys(platform.desired.get(env)?.state.services ?? {});
  const all = serviceNames(platform);
  if (listed.length === 0) return all;
  const wanted = new Set(listed);
  return all.filter((s) => wanted.has(s));
}

/** Prepares each service as the release engine would apply it (ownership labels, namespace), unlinted. */
export async function renderDesired(
  platform: LoadedPlatform,
  env: string,
  services: readonly string[],
): Promise<DesiredService[]> {
  namespaceFor(platform, env); // an unknown environment fails first, with a suggestion
  const out: DesiredService[] = [];
  for (const service of services) {
    const { version, manifests } = await prepareRelease(platform, { service, environment: env, lint: false });
    out.push({ service, version, manifests });
  }
  return out;
}

/** Per service: the newest deployed release, and the newest of all when it is another one. */
export function releasesByService(records: readonly ReleaseRecord[]): {
  applied: Map<string, AppliedRelease>;
  latest: Map<string, { revision: number; status: string }>;
} {
  const applied = new Map<string, AppliedRelease>();
  const latest = new Map<string, { revision: number; status: string }>();
  const sorted = [...records].sort((a, b) => b.revision - a.revision);
  for (const r of sorted) {
    if (!latest.has(r.service)) latest.set(r.service, { revision: r.revision, status: r.status });
    if (!applied.has(r.service) && r.status === RELEASE_STATUS.deployed)
      applied.set(r.service, {
        revision: r.revision,
        status: r.status,
        version: r.version,
        manifests: r.manifests,
      });
  }
  // No deployed revision (an interrupted supersede): the newest superseded one was applied last.
  for (const r of sorted) {
    if (!applied.has(r.service) && r.status === RELEASE_STATUS.superseded)
      applied.set(r.service, {
        revision: r.revision,
        status: r.status,
        version: r.version,
        manifests: r.manifests,
      });
  }
  return { applied, latest };
}

export async function readPlanInput(
  client: KubeClient,
  platform: LoadedPlatform,
  env: string,
  o: { services?: readonly string[] } = {},
): Promise<PlanInput> {
  const namespace = namespaceFor(platform, env);
  const names = o.services ?? desiredServiceNames(platform, env);
  const desiredP = renderDesired(platform, env, names);
  const secretsP = client.list('v1', 'Secret', {
    namespace,
    labelSelector: historySelector({ platform: platform.platform.name, environment: env }),
  });
  const [desired, secrets] = await Promise.all([desiredP, secretsP]);
  const records: ReleaseRecord[] = [];
  for (const s of secrets) {
    if (!isReleaseSecret({ ...s, kind: 'Secret' })) continue;
    try {
      records.push(decodeRelease({ ...s, kind: 'Secret' }));
    } catch {
      // An unreadable record is skipped here; `slipway history` reports it.
    }
  }
  const wanted = o.services ? new Set(o.services) : undefined;
  const { applied, latest } = releasesByService(
    wanted ? records.filter((r) => wanted.has(r.service)) : records,
  );
  const kinds = pruneKinds(
    ...desired.map((d) => d.manifests),
    ...[...applied.values()].map((a) => a.manifests),
  );
  const selector = [
    `${LABELS.managedBy}=slipway`,
    `${LABELS.platform}=${platform.platform.name}`,
    `${LABELS.environment}=${env}`,
  ].join(',');
  const lists = await Promise.all(
    kinds.map(async (k) => {
      if (!(await client.hasKind(k.apiVersion, k.kind))) return [] as KubeObject[];
      const items = await client.list(k.apiVersion, k.kind, { namespace, labelSelector: selector });
      return items.map((i) => ({ ...i, apiVersion: i.apiVersion ?? k.apiVersion, kind: k.kind }));
    }),
  );
  let live = lists.flat();
  if (wanted) live = live.filter((l) => wanted.has(l.metadata.labels?.[LABELS.service] ?? ''));
  return { environment: env, namespace, desired, applied, latest, live };
}
