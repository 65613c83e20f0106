// GitOps sync (docs/server.md, "GitOps"): the server follows one branch of the platform's repository.
// Each new commit is checked out, the platform is loaded from its files, and every environment with
// `autoDeploy: true` whose desired state differs from its last releases is reconciled by
// applyEnvironment() — the operation `slipway apply` runs, with all its gates — as a server run by the
// identity `gitops` (the commit as its credential). A revert commit is just another desired state, so
// it rolls back. A failed sync is not tried again for the same commit: a new commit or an explicit
// retry (POST …/sync) starts it again. Drift of live objects is noticed by watching (drift.ts) and, where
// selfHeal is on, repaired by applying the last desired state again. Syncs run one at a time.
import { join } from 'node:path';
import { type LoadedPlatform, loadPlatform } from '../../config/load.ts';
import { getEnvironment, namespaceFor } from '../../config/model.ts';
import type { GitopsConfig } from '../../config/schema.ts';
import { type ApplyResult, applyEnvironment } from '../../operations/apply.ts';
import { actorDetail } from '../../operations/context.ts';
import { appendAudit } from '../../promotion/audit.ts';
import { PLAN_ACTIONS, planEnvironment } from '../../promotion/plan.ts';
import { readPlanInput } from '../../promotion/plan-read.ts';
import { parseDuration } from '../../shared/duration.ts';
import { SlipwayError } from '../../shared/errors.ts';
import type { Caller } from '../auth.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import { type DriftEntry, type DriftWatch, driftOfPlan, watchOwnedObjects } from './drift.ts';
import { type Commit, repositoryUrl, WorkingCopy } from './repo.ts';
import {
  ended,
  message,
  type SyncAttempt,
  type SyncState,
  type SyncStatus,
  type SyncTrigger,
  shown,
} from './status.ts';

export type { SyncAttempt, SyncState, SyncStatus, SyncTrigger } from './status.ts';

export const GITOPS_USER = 'gitops';

interface EnvState {
  syncing: boolean;
  force: boolean;
  attempt?: SyncAttempt;
  synced?: string;
  drift: DriftEntry[];
  driftCheckedAt?: string;
  watch?: { key: string; handle: Promise<DriftWatch | undefined> };
  healQueued?: boolean;
}

export class GitopsController {
  private current: LoadedPlatform;
  private readonly repo: WorkingCopy;
  private readonly intervalMs: number;
  private readonly envs = new Map<string, EnvState>();
  private deps: ServerDeps | undefined;
  /** The newest commit fetched; `loaded` is the one whose platform is `current`. */
  private fetched: Commit | undefined;
  private loaded: Commit | undefined;
  private fetchedAt: string | undefined;
  /** Why the newest commit could not be fetched, or loaded. */
  private unreachable: string | undefined;
  private broken: { sha: string; error: string } | undefined;
  private reload = false;
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly log: (line: string) => void;
  /** The push webhook's shared secret (from gitops.webhookSecretEnv); the webhook is off without it. */
  readonly webhookSecret: string | undefined;

  constructor(
    readonly config: GitopsConfig,
    initial: LoadedPlatform,
    o: { log?: (line: string) => void } = {},
  ) {
    this.current = initial;
    this.intervalMs = parseDuration(config.interval);
    const secretEnv = config.webhookSecretEnv;
    this.webhookSecret = secretEnv ? process.env[secretEnv] : undefined;
    if (secretEnv && !this.webhookSecret)
      throw new SlipwayError('config', `gitops.webhookSecretEnv names ${secretEnv}, which is not set`, {
        hint: `Export ${secretEnv} with the secret configured at the git host's webhook, or remove webhookSecretEnv.`,
      });
    const url = repositoryUrl(config.repository, initial.dir);
    this.repo = new WorkingCopy(join(initial.dir, '.slipway', 'gitops', 'repository'), url, config.branch);
    this.log = o.log ?? (() => {});
  }

  /** The platform of the newest commit loaded (the served one until the first sync). */
  platform(): LoadedPlatform {
    return this.current;
  }

  /** Starts following the branch: a sync now, then one every interval. */
  start(deps: ServerDeps): void {
    this.deps = deps;
    // A replica that becomes leader syncs at once rather than at its next poll.
    deps.leadership?.onLeadershipChange((leading) => {
      if (leading && !this.stopped) void this.sync('start');
    });
    void this.sync('start');
    const next = () => {
      this.timer = setTimeout(() => {
        void this.sync('poll').then(() => {
          if (!this.stopped) next();
        });
      }, this.intervalMs);
    };
    next();
  }

  /** Stops polling and watching; waits for a sync in progress to end (its release stays recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const st of this.envs.values()) void st.watch?.handle.then((w) => w?.stop());
    await this.chain;
  }

  /** Fetches and syncs now (coalesced with one already waiting); resolves when that sync has ended. */
  sync(trigger: SyncTrigger): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.chain.then(async () => {
      this.queued = undefined;
      if (this.stopped) return;
      await this.tick(trigger).catch((e: unknown) => this.log(`gitops: ${message(e)}`));
    });
    this.queued = run;
    this.chain = run;
    return run;
  }

  /** An explicit retry of an environment (POST …/sync): syncs it again even for the same commit. */
  retry(environment: string): Promise<void> {
    this.followed(environment);
    this.state(environment).force = true;
    this.reload = true;
    return this.sync('retry');
  }

  private followed(environment: string): void {
    const env = getEnvironment(this.current, environment);
    if (!env.autoDeploy)
      throw new SlipwayError('conflict', `${environment} is not synced from git (autoDeploy is not true)`, {
        hint: `Set autoDeploy: true on ${environment} in slipway.yaml, or run \`slipway apply --env ${environment}\`.`,
      });
  }

  private state(environment: string): EnvState {
    let st = this.envs.get(environment);
    if (!st) {
      st = { syncing: false, force: false, drift: [] };
      this.envs.set(environment, st);
    }
    return st;
  }

  private selfHeal(environment: string): boolean {
    const h = this.current.platform.gitops?.selfHeal ?? this.config.selfHeal;
    return h === true || (Array.isArray(h) && h.includes(environment));
  }

  private autoDeployed(): string[] {
    return this.current.environments.filter((e) => e.autoDeploy).map((e) => e.name);
  }

  private async tick(trigger: SyncTrigger): Promise<void> {
    let commit: Commit;
    try {
      commit = await this.repo.fetch();
      this.fetched = commit;
      this.fetchedAt = new Date().toISOString();
      this.unreachable = undefined;
    } catch (e) {
      this.unreachable = message(e);
      throw e;
    }
    if (commit.sha !== this.loaded?.sha) {
      if (this.broken?.sha === commit.sha && !this.reload) return; // still broken: wait for a new commit
      this.reload = false;
      try {
        await this.repo.checkout(commit.sha);
        this.current = await loadPlatform(join(this.repo.dir, this.config.path));
        this.loaded = commit;
        this.broken = undefined;
      } catch (e) {
        // The commit's platform does not load: every followed environment fails on it, once.
        const error = `commit ${commit.sha.slice(0, 12)} does not load: ${message(e)}`;
        this.broken = { sha: commit.sha, error };
        for (const env of this.autoDeployed()) {
          const st = this.state(env);
          if (st.attempt?.commit === commit.sha && !st.force) continue;
          st.force = false;
          const at = new Date().toISOString();
          await this.record(env, { commit: commit.sha, trigger, at, outcome: 'failed', services: [], error });
        }
        return;
      }
    }
    this.refreshWatches();
    // With several replicas only the leader applies; followers keep the platform current for reads.
    if (this.deps?.leadership && !this.deps.leadership.isLeader()) return;
    for (const env of this.autoDeployed()) {
      if (this.stopped) return;
      const st = this.state(env);
      if (st.attempt?.commit === commit.sha && !st.force) continue;
      st.force = false;
      await this.syncEnvironment(env, trigger);
    }
  }

  /** Applies what differs from the desired state (and the drift, with selfHeal) as a `gitops` run. */
  private async syncEnvironment(environment: string, trigger: SyncTrigger): Promise<void> {
    const deps = this.deps!;
    const commit = this.loaded!;
    const st = this.state(environment);
    const attempt: SyncAttempt = {
      commit: commit.sha,
      trigger,
      at: new Date().toISOString(),
      outcome: 'succeeded',
      services: [],
    };
    st.syncing = true;
    try {
      const platform = this.current;
      const client = await deps.connect(platform, environment);
      if (!client) throw new SlipwayError('unreachable', `cannot connect to the cluster of ${environment}`);
      const plan = planEnvironment(await readPlanInput(client, platform, environment));
      const heal = this.selfHeal(environment);
      attempt.services = plan.services
        .filter(
          (s) =>
            s.action === PLAN_ACTIONS.install ||
            s.action === PLAN_ACTIONS.update ||
            (heal && s.action === PLAN_ACTIONS.drift),
        )
        .map((s) => s.service);
      if (attempt.services.length === 0) return;
      const identity: Caller = {
        name: GITOPS_USER,
        authenticated: true,
        source: 'gitops',
        credential: commit.sha,
      };
      const run = await deps.runs.start({ kind: 'sync', environment, startedBy: GITOPS_USER }, (r) =>
        applyEnvironment(contextFor({ ...deps, platform: () => platform }, identity, r), {
          environment,
          targets: attempt.services,
          reason: `${trigger === 'self-heal' ? 'self-heal at' : 'gitops'} ${commit.sha.slice(0, 12)}: ${commit.subject}`,
          onStart: (s) => r.emit('log', s.summary, s.service),
        }),
      );
      attempt.run = run.view.id;
      await ended(run);
      const result = run.view.result as ApplyResult | undefined;
      if (run.view.error) throw new Error(run.view.error.detail);
      if (result && !result.ok) {
        const bad = result.releases.find((r) => r.status === 'failed');
        throw new Error(bad ? `${bad.service}: ${bad.reason ?? 'failed'}` : 'the apply failed');
      }
    } catch (e) {
      attempt.outcome = 'failed';
      attempt.error = message(e);
    } finally {
      st.syncing = false;
      attempt.endedAt = new Date().toISOString();
      await this.record(environment, attempt);
      void this.checkDrift(environment);
    }
  }

  /** Keeps the attempt, audits it (action `sync`; a failure is notified as sync.failed). */
  private async record(environment: string, attempt: SyncAttempt): Promise<void> {
    const st = this.state(environment);
    st.attempt = attempt;
    if (attempt.outcome === 'succeeded') st.synced = attempt.commit;
    this.log(
      `gitops: ${environment} ${attempt.outcome === 'failed' ? `failed at ${attempt.commit.slice(0, 12)}: ${attempt.error}` : `synced to ${attempt.commit.slice(0, 12)}${attempt.services.length ? ` (${attempt.services.join(', ')})` : ''}`}`,
    );
    if (attempt.services.length === 0 && attempt.outcome === 'succeeded') return; // nothing happened
    if (!this.deps) return;
    const ctx = contextFor(this.deps, {
      name: GITOPS_USER,
      authenticated: true,
      source: 'gitops',
      credential: attempt.commit,
    });
    await appendAudit(ctx.store, {
      at: new Date(),
      actor: GITOPS_USER,
      action: 'sync',
      environment,
      detail: { ...attempt, ...actorDetail(ctx) },
    }).catch((e: unknown) => this.log(`gitops: audit of the sync of ${environment}: ${message(e)}`));
  }

  /** One watch per followed environment (its namespace may change with a commit). */
  private refreshWatches(): void {
    const deps = this.deps!;
    const followed = new Set(this.autoDeployed());
    for (const [env, st] of this.envs)
      if (st.watch && !followed.has(env)) {
        void st.watch.handle.then((w) => w?.stop());
        delete st.watch;
      }
    for (const env of followed) {
      const st = this.state(env);
      const key = namespaceFor(this.current, env);
      if (st.watch?.key === key) continue;
      void st.watch?.handle.then((w) => w?.stop());
      const handle = (async () => {
        const client = await deps.connect(this.current, env);
        if (!client) return undefined;
        return watchOwnedObjects(client, {
          platform: this.current.platform.name,
          environment: env,
          namespace: key,
          onChange: () => void this.checkDrift(env),
          onError: (e) => this.log(`gitops: watching ${env}: ${e.message}`),
        });
      })().catch((e: unknown) => {
        this.log(`gitops: cannot watch ${env}: ${message(e)}`);
        return undefined;
      });
      st.watch = { key, handle };
    }
  }

  /** Compares live objects with the last releases; with selfHeal, queues a repair of what drifted. */
  private async checkDrift(environment: string): Promise<void> {
    const st = this.state(environment);
    if (st.syncing || this.stopped || !this.deps) return; // the sync checks again when it ends
    try {
      const client = await this.deps.connect(this.current, environment, { start: false });
      if (!client) return;
      const plan = planEnvironment(await readPlanInput(client, this.current, environment));
      st.drift = driftOfPlan(plan);
      st.driftCheckedAt = new Date().toISOString();
    } catch (e) {
      this.log(`gitops: drift check of ${environment}: ${message(e)}`);
      return;
    }
    const failedHere = st.attempt?.outcome === 'failed' && st.attempt.commit === this.loaded?.sha;
    if (st.drift.length > 0 && this.selfHeal(environment) && !failedHere && this.loaded) {
      this.log(`gitops: ${environment} drifted (${st.drift.map((d) => d.key).join(', ')}): self-heal`);
      if (st.healQueued) return;
      st.healQueued = true;
      this.chain = this.chain.then(async () => {
        st.healQueued = false;
        if (!this.stopped && st.drift.length > 0) await this.syncEnvironment(environment, 'self-heal');
      });
    }
  }

  /** The sync status of an environment (followed or not), with what differs now. */
  async status(environment: string): Promise<SyncStatus> {
    const env = getEnvironment(this.current, environment);
    const st = this.state(environment);
    if (!this.deps) throw new SlipwayError('unreachable', 'the GitOps sync has not started');
    const client = await this.deps.connect(this.current, environment, { start: false });
    if (!client)
      throw new SlipwayError('unreachable', `the cluster of ${environment} is not running`, {
        hint: 'Start it (`slipway cluster up` for the local cluster) and try again.',
      });
    const plan = planEnvironment(await readPlanInput(client, this.current, environment));
    const outOfSync = plan.services
      .filter((s) => s.action === PLAN_ACTIONS.install || s.action === PLAN_ACTIONS.update)
      .map((s) => s.summary);
    const head = this.fetched?.sha;
    const problem = this.unreachable ?? this.broken?.error;
    const state: SyncState = st.syncing
      ? 'syncing'
      : st.attempt?.outcome === 'failed' && st.attempt.commit === head
        ? 'failed'
        : outOfSync.length > 0
          ? 'out-of-sync'
          : 'synced';
    return {
      environment,
      autoDeploy: env.autoDeploy,
      selfHeal: env.autoDeploy && this.selfHeal(environment),
      state,
      repository: shown(this.repo.url),
      branch: this.config.branch,
      commit: head ?? null,
      subject: this.fetched?.subject ?? null,
      fetchedAt: this.fetchedAt ?? null,
      syncedCommit: st.synced ?? null,
      lastAttempt: st.attempt ?? null,
      outOfSync,
      drift: st.drift,
      driftCheckedAt: st.driftCheckedAt ?? null,
      ...(problem ? { error: problem } : {}),
    };
  }
}
