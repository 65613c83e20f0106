// What the pages show, gathered from the server's dependencies: the overview from the watch-fed status
// cache (never a cluster read per request), a release from its history and pods, the approvals inbox
// and the audit from the store. Every read checks the caller's view role as the API does.
import type { MeasurementRecord } from '../../analysis/run.ts';
import { BUILTIN_TEMPLATES } from '../../analysis/templates.ts';
import type { LoadedPlatform } from '../../config/load.ts';
import { getEnvironment, namespaceFor, strategyFor } from '../../config/model.ts';
import { listDeclaredFreezes } from '../../operations/freeze.ts';
import {
  actorName,
  can,
  expirePromotions,
  freezeInForce,
  getPromotion,
  listPromotions,
  readAudit,
  verifyAudit,
  whoMay,
} from '../../promotion/index.ts';
import { forbidden } from '../../promotion/roles.ts';
import type { ServiceStatus } from '../../release/inspect.ts';
import { serviceTarget } from '../../release/target.ts';
import { parseDuration } from '../../shared/duration.ts';
import { SlipwayError } from '../../shared/errors.ts';
import { LABELS } from '../../shared/kube-types.ts';
import { AUDIT_ACTIONS } from '../../store/types.ts';
import type { Caller } from '../auth.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import type { ApprovalsData } from './approvals.ts';
import { type AuditData, type AuditFilters, filterAudit } from './audit.ts';
import type { OverviewData, OverviewEnvironment } from './overview.ts';
import type { PodRow, ReleaseViewData } from './release.ts';
import { analysisRuns } from './release-analysis.ts';
import { measureTraffic } from './traffic.ts';

const GITOPS_TTL_MS = 15_000;

/** GitOps sync status per environment, kept briefly: computing it plans the whole environment. */
export class SyncStatusCache {
  private readonly entries = new Map<string, { at: number; value: OverviewEnvironment['sync'] }>();
  constructor(private readonly deps: ServerDeps) {}
  get(env: string): OverviewEnvironment['sync'] {
    const g = this.deps.gitops;
    if (!g) return undefined;
    const e = this.entries.get(env);
    if (!e || Date.now() - e.at > GITOPS_TTL_MS) {
      // Refreshed in the background; the page shows what is known now.
      this.entries.set(env, { at: Date.now(), value: e?.value });
      void g
        .status(env)
        .then((s) =>
          this.entries.set(env, {
            at: Date.now(),
            value: {
              state: s.state,
              outOfSync: s.outOfSync.map((x) => x.split(':')[0]!),
              drift: s.drift.map((d) => d.service),
            },
          }),
        )
        .catch(() => {});
    }
    return e?.value;
  }
}

export function viewableEnvironments(platform: LoadedPlatform, caller: Caller): string[] {
  const user = actorName(platform, caller.name);
  return platform.environments.map((e) => e.name).filter((e) => can(platform, e, user, 'view', caller));
}

export async function overviewData(
  deps: ServerDeps,
  caller: Caller,
  filter: string,
  sync: SyncStatusCache,
): Promise<OverviewData> {
  const ctx = contextFor(deps, caller);
  const platform = ctx.platform;
  const envNames = viewableEnvironments(platform, caller);
  const declared = await Promise.all(envNames.map((e) => listDeclaredFreezes(ctx, e)));
  const allFrozen = platform.environments.length > 0 && declared.every((d) => d.length > 0);
  const statusByEnv = new Map<string, ServiceStatus[] | undefined>();
  const environments: OverviewEnvironment[] = envNames.map((name, i) => {
    const env = getEnvironment(platform, name);
    const statuses = deps.statusCache?.statuses(platform, name);
    statusByEnv.set(name, statuses);
    const freeze = freezeInForce(env, declared[i]!, ctx.now);
    return {
      name,
      freeze: freeze?.name,
      emergencyStop: allFrozen && declared[i]!.length > 0,
      sync: sync.get(name),
      syncing: statuses === undefined,
      promotion: env.promotion
        ? {
            from: env.promotion.from,
            soakMs: env.promotion.soak ? parseDuration(env.promotion.soak) : undefined,
          }
        : undefined,
    };
  });
  const byService = new Map<string, Record<string, ServiceStatus | undefined>>();
  for (const name of Object.keys(platform.platform.services)) byService.set(name, {});
  for (const [env, list] of statusByEnv) for (const s of list ?? []) byService.get(s.service)![env] = s;
  return {
    environments,
    services: [...byService].map(([name, statuses]) => ({ name, statuses })),
    filter,
    now: ctx.now,
  };
}

export function gatesFor(deps: ServerDeps, caller: Caller, env: string): ReleaseViewData['gates'] {
  const platform = deps.platform();
  const user = actorName(platform, caller.name);
  if (can(platform, env, user, 'deploy', caller)) return { allowed: true };
  return { allowed: false, reason: forbidden(platform, env, user, 'deploy', caller).message };
}

export async function releaseData(
  deps: ServerDeps,
  caller: Caller,
  env: string,
  service: string,
): Promise<ReleaseViewData> {
  const ctx = contextFor(deps, caller);
  const platform = ctx.platform;
  if (!platform.platform.services[service]) throw new SlipwayError('notFound', `no service ${service}`);
  if (!viewableEnvironments(platform, caller).includes(env))
    throw new SlipwayError('forbidden', `you may not view ${env}`);
  const client = await deps.connect(platform, env, { start: false });
  if (!client) throw new SlipwayError('unreachable', `the cluster of ${env} is not running`);
  const t = serviceTarget(client, { platform, service, environment: env });
  const namespace = namespaceFor(platform, env);
  const [[records, traffic], pods] = await Promise.all([
    t.history.list(service).then(async (list) => {
      const newest = list[0];
      // Only a canary has two tracks to compare; nothing else pays for the metrics query.
      if (strategyFor(platform, service).type !== 'canary') return [list, undefined] as const;
      const span = newest && {
        from: Date.parse(newest.startedAt),
        to: newest.endedAt ? Date.parse(newest.endedAt) : ctx.now.getTime(),
      };
      const traffic = await measureTraffic(platform, client, { environment: env, service, namespace, span });
      return [list, traffic] as const;
    }),
    client.list('v1', 'Pod', { namespace, labelSelector: `${LABELS.service}=${service}` }),
  ]);
  const record = records[0];
  const podRows: PodRow[] = pods
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => {
      const status = (p.status ?? {}) as {
        phase?: string;
        containerStatuses?: Array<{ ready?: boolean; restartCount?: number; image?: string }>;
      };
      const cs = status.containerStatuses ?? [];
      const spec = p.spec as { containers?: Array<{ image?: string }> } | undefined;
      const image = spec?.containers?.[0]?.image ?? '';
      return {
        name: p.metadata.name ?? '',
        track: p.metadata.labels?.[LABELS.track] ?? 'stable',
        version: image.replace(/^.*?([:@])/, '$1').replace(/^:/, ''),
        ready: cs.length > 0 && cs.every((x) => x.ready),
        restarts: cs.reduce((n, x) => n + (x.restartCount ?? 0), 0),
        phase: status.phase ?? 'Pending',
      };
    })
    .sort((a, b) => a.track.localeCompare(b.track) || a.name.localeCompare(b.name));
  const run = deps.runs
    .list()
    .find((r) => r.environment === env && (r.service === service || r.service === undefined));
  const runEvents = run ? (deps.runs.get(run.id)?.events ?? []) : [];
  // Measurements of this record only: the run may be older than the newest release.
  const since = record ? Date.parse(record.startedAt) : Number.POSITIVE_INFINITY;
  const measurements = runEvents
    .filter((e) => e.type === 'measurement' && (e.service ?? service) === service)
    .map((e) => e.data as MeasurementRecord)
    .filter((m) => m.at >= since - 1000);
  const templates = (name: string) => platform.platform.analysis?.[name] ?? BUILTIN_TEMPLATES[name];
  const events = run
    ? runEvents
        .filter(
          (e) =>
            (e.service ?? service) === service && (e.type === 'log' || e.type === 'step' || e.type === 'end'),
        )
        .map((e) => ({ at: e.at, text: eventText(e.type, e.data) }))
    : [];
  return {
    environment: env,
    service,
    record,
    pods: podRows,
    traffic,
    analysis: record ? analysisRuns(record, measurements, templates, ctx.now) : [],
    events,
    gates: gatesFor(deps, caller, env),
    now: ctx.now,
  };
}

function eventText(type: string, data: unknown): string {
  if (type === 'log') return String(data);
  const d = data as { name?: string; outcome?: string; status?: string; kind?: string };
  if (type === 'end') return `run ${d.kind ?? ''} ${d.status ?? ''}`;
  return `${d.name ?? ''}${d.outcome ? ` — ${d.outcome}` : ' — started'}`;
}

export async function approvalsData(deps: ServerDeps, caller: Caller): Promise<ApprovalsData> {
  const ctx = contextFor(deps, caller);
  await expirePromotions({ store: ctx.store, now: ctx.now });
  const list = await listPromotions(ctx, { status: ['requested'] });
  const items = await Promise.all(
    list.map(async (p) => {
      const view = await getPromotion(ctx, p.id);
      const target = ctx.platform.desired.get(p.to)?.state.services ?? {};
      const changes = Object.entries(p.versions).map(([service, v]) => {
        const cur = (target as Record<string, { version?: string; digest?: string }>)[service];
        const fmt = (x: { version?: string | undefined; digest?: string | undefined } | undefined) =>
          x?.version || x?.digest
            ? `${x.version ?? ''}${x.digest ? `@${x.digest.slice(0, 19)}` : ''}`
            : '(none)';
        return { service, from: fmt(cur), to: fmt(v) };
      });
      const env = getEnvironment(ctx.platform, p.to);
      const rule = `${p.to} needs ${p.approvalsNeeded} approval${p.approvalsNeeded === 1 ? '' : 's'}${
        env.promotion?.from ? `, promoted from ${env.promotion.from}` : ''
      }${p.hotfix ? ' (hotfix)' : ''}; the requester never counts`;
      return { view, changes, rule, approvers: whoMay(ctx.platform, p.to, 'approve') };
    }),
  );
  return { items, actor: actorName(ctx.platform, caller.name), now: ctx.now };
}

export async function auditData(deps: ServerDeps, caller: Caller, filters: AuditFilters): Promise<AuditData> {
  const ctx = contextFor(deps, caller);
  const all = await readAudit(ctx, filters.env ? { environment: filters.env } : {});
  const entries = filterAudit(all, filters).reverse();
  return {
    entries,
    filters,
    environments: viewableEnvironments(ctx.platform, caller),
    actions: AUDIT_ACTIONS,
    verification: await verifyAudit(ctx.store),
  };
}
