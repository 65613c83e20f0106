// `slipway demo`: the guided end-to-end run. Each step records a timeline entry with its figures and
// throws a DemoStepFailure (naming the step) when something did not behave as expected.
import { createHash } from 'node:crypto';
import { type LoadedPlatform, loadPlatform } from '../config/load.ts';
import type { KubeClient } from '../kube/client.ts';
import { deploy, RELEASE_STATUS, type ReleaseRecord } from '../release/index.ts';
import { registerBlueGreen } from '../release/strategies/blue-green.ts';
import { registerCanary } from '../release/strategies/canary.ts';
import { blueGreenStep } from './blue-green.ts';
import { type DemoCluster, startDemoCluster } from './cluster.ts';
import { type Load, startLoad, summarize } from './load.ts';
import { progressBoard } from './progress.ts';
import {
  analysisText,
  clientFor,
  DemoStepFailure,
  lineEvents,
  pct,
  sleep,
  stepTimes,
  urlOf,
  versionShare,
} from './support.ts';
import { type DemoWorkspace, prepareWorkspace } from './workspace.ts';

export interface TimelineEntry {
  /** Seconds since the demo started. */
  t: number;
  step: string;
  outcome: 'ok' | 'failed';
  text: string;
  figures?: Record<string, unknown>;
}

export interface DemoReport {
  ok: boolean;
  failedStep?: string;
  error?: string;
  wallSeconds: number;
  adaptations: string[];
  timeline: TimelineEntry[];
  summary: string[];
  kept?: { kubeconfig: string; stop: string; workspace: string };
}

export interface DemoOptions {
  keep: boolean;
  /** Progress lines (stderr). */
  out: (s: string) => void;
  tty: boolean;
  /**
   * Starts the dashboard on the demo's platform once its cluster runs (the CLI passes `slipway
   * serve`'s control plane); undefined when it did not start. Kept in `res.dashboard` for cleanup.
   */
  dashboard?: (platform: LoadedPlatform) => Promise<DemoDashboard | undefined>;
}

/** The dashboard the demo started (the control plane of `slipway serve`, in this process). */
export interface DemoDashboard {
  url: string;
  close(): Promise<void>;
}

/** What must be released when the demo ends, however it ends. */
export interface DemoResources {
  workspace?: DemoWorkspace;
  cluster?: DemoCluster;
  dashboard?: DemoDashboard;
  loads: Load[];
}

const ENVIRONMENTS = ['development', 'staging', 'production'] as const;

/**
 * A version as CI deploys it: its tag and the digest of its build (made up here, the demo service
 * stands in for every image). A tag alone would drop the digest production pins, and production's
 * strict policy refuses an image not pinned by digest.
 */
function built(tag: string): { imageTag: string; digest: string } {
  return {
    imageTag: tag,
    digest: `sha256:${createHash('sha256').update(`slipway-demo ${tag}`).digest('hex')}`,
  };
}
const RATE = 80;
export async function runDemo(o: DemoOptions, res: DemoResources): Promise<DemoReport> {
  const t0 = Date.now();
  const timeline: TimelineEntry[] = [];
  const summary: string[] = [];
  const say = (s: string) => o.out(`${s}\n`);
  const record = (
    step: string,
    text: string,
    figures?: Record<string, unknown>,
    outcome: 'ok' | 'failed' = 'ok',
  ) => {
    timeline.push({ t: (Date.now() - t0) / 1000, step, outcome, text, ...(figures ? { figures } : {}) });
    say(`${outcome === 'ok' ? '✔' : '✖'} ${step}: ${text}`);
  };
  let current = '1 cluster';
  const report = (ok: boolean, error?: string): DemoReport => ({
    ok,
    ...(ok ? {} : { failedStep: current, error: error ?? 'failed' }),
    wallSeconds: Math.round((Date.now() - t0) / 100) / 10,
    adaptations: res.workspace?.notes ?? [],
    timeline,
    summary,
    ...(o.keep && res.cluster && res.workspace
      ? {
          kept: {
            kubeconfig: res.cluster.kubeconfigPath,
            stop: `slipway cluster down -C ${res.workspace.appointments} && rm -rf ${res.workspace.root}`,
            workspace: res.workspace.root,
          },
        }
      : {}),
  });
  const measurements: Array<{ template: string; metric: string; value: unknown; phase: string; at: number }> =
    [];
  try {
    // ---- 1. workspace and cluster ----
    const ws = prepareWorkspace();
    res.workspace = ws;
    say(`demo workspace ${ws.root} (copies of examples/appointments and examples/budget)`);
    say('adapted for demo timing only:');
    for (const n of ws.notes) say(`  - ${n}`);
    const appointments = await loadPlatform(ws.appointments);
    // Budget's backend reads three secrets from the environment; the demo passes placeholders.
    for (const k of ['BUDGET_MONGODB_URI', 'BUDGET_POSTGRES_PASSWORD', 'BUDGET_REDIS_PASSWORD'])
      process.env[k] ??= `demo-${k.toLowerCase()}`;
    const budget = await loadPlatform(ws.budget);
    const cluster = await startDemoCluster(appointments, o.keep);
    res.cluster = cluster;
    const onMeasurement = (m: {
      template: string;
      metric: string;
      value: unknown;
      phase: string;
      at: number;
    }) =>
      measurements.push({ template: m.template, metric: m.metric, value: m.value, phase: m.phase, at: m.at });
    registerCanary({
      templates: appointments.platform.analysis ?? {},
      metricsUrl: cluster.metricsUrl,
      onMeasurement,
    });
    registerBlueGreen({
      templates: budget.platform.analysis ?? {},
      metricsUrl: cluster.metricsUrl,
      onMeasurement,
    });
    // The browser follows the same releases: the dashboard reads them from this cluster.
    const dashboard = o.dashboard ? await o.dashboard(appointments) : undefined;
    if (dashboard) res.dashboard = dashboard;
    record(
      current,
      `local cluster ${cluster.background ? 'in the background' : 'in this process'}${dashboard ? `; dashboard ${dashboard.url}/` : ''}`,
      { kubeconfig: cluster.kubeconfigPath, ...(dashboard ? { dashboard: `${dashboard.url}/` } : {}) },
    );

    // ---- 2. appointments v1 everywhere ----
    current = '2 deploy v1';
    const clients: Record<string, KubeClient> = {};
    const services = Object.keys(appointments.platform.services);
    for (const env of ENVIRONMENTS) {
      const started = Date.now();
      const client = await clientFor(appointments, env, cluster.kubeconfigPath);
      clients[env] = client;
      say(
        `deploying appointments v1 to ${env} (${client.target.namespace}), ${services.length} services in parallel`,
      );
      const board = progressBoard(o.out, o.tty, services);
      const results = await Promise.all(
        services.map(async (svc) => {
          const t = Date.now();
          const r = await deploy(
            client,
            {
              platform: appointments,
              service: svc,
              environment: env,
              overrides: built('v1'),
              user: 'demo',
              reason: 'slipway demo',
            },
            board.events(svc),
          ).catch(
            (e: Error) => ({ status: 'error', failure: { reason: e.message } }) as unknown as ReleaseRecord,
          );
          const ok = r.status === RELEASE_STATUS.deployed;
          board.done(
            svc,
            ok
              ? `v1 deployed (revision ${r.revision}, ${((Date.now() - t) / 1000).toFixed(1)} s)`
              : `failed: ${r.failure?.reason}`,
            ok,
          );
          return { svc, r, ok };
        }),
      );
      board.close();
      const bad = results.filter((x) => !x.ok);
      if (bad.length)
        throw new DemoStepFailure(`${env}: ${bad.map((b) => `${b.svc}: ${b.r.failure?.reason}`).join('; ')}`);
      record(
        current,
        `${env}: ${services.length} services v1 deployed in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        {
          environment: env,
          services: services.length,
          seconds: (Date.now() - started) / 1000,
        },
      );
    }

    // ---- 3. steady load through booking's production Service ----
    current = '3 load';
    const prod = clients.production!;
    const bookingUrl = await urlOf(prod, 'booking');
    const load = startLoad(bookingUrl, { rate: RATE, maxMs: 240_000 });
    res.loads.push(load);
    await sleep(2000);
    const warm = load.summary();
    if (warm.total < RATE || warm.failed > 0 || Object.keys(warm.byVersion).join() !== 'v1')
      throw new DemoStepFailure(`booking ${bookingUrl}: ${JSON.stringify(warm)}`);
    record(
      current,
      `${RATE} req/s through booking's production Service ${bookingUrl}: ${warm.total} answered, all v1`,
      {
        url: bookingUrl,
        rate: RATE,
        ...warm,
      },
    );

    // ---- 4. booking v2 with injected errors: analysed, failed, rolled back ----
    current = '4 canary v2 (bad)';
    say('releasing booking v2 to production with ERROR_RATE=0.5 (canary 10 %, background analysis)');
    const m0 = measurements.length;
    const s2 = Date.now();
    const v2 = await deploy(
      prod,
      {
        platform: appointments,
        service: 'booking',
        environment: 'production',
        overrides: { ...built('v2'), set: ['env.ERROR_RATE=0.5'] },
        user: 'demo',
        reason: 'slipway demo: a bad version',
      },
      lineEvents(say, 'booking v2'),
    );
    const e2 = Date.now();
    const during2 = load.summary(s2, e2 + 1500);
    const m2 = measurements.slice(m0).filter((m) => m.at >= s2 - 1000);
    const analysis2 = analysisText(m2);
    const canaryAnswers = (during2.byVersion.v2 ?? 0) + (during2.failedByVersion.v2 ?? 0);
    const share = 0.1;
    const bound = share * during2.total + 3 * Math.sqrt(during2.total * share * (1 - share)) + 2;
    const figures2 = {
      status: v2.status,
      reason: v2.failure?.reason,
      requests: during2.total,
      failed: during2.failed,
      failedShare: during2.total ? during2.failed / during2.total : 0,
      bound: Math.floor(bound),
      failedByVersion: during2.failedByVersion,
      canaryAnswers,
      measurements: m2,
      seconds: (e2 - s2) / 1000,
    };
    if (v2.status !== RELEASE_STATUS.failed)
      throw new DemoStepFailure(`booking v2 ended ${v2.status}, expected failed`);
    if (!/analysis/.test(v2.failure?.reason ?? ''))
      throw new DemoStepFailure(`booking v2 failed for another reason: ${v2.failure?.reason}`);
    if (!v2.steps.some((s) => /rollback to revision/.test(s.name) && s.outcome === 'ok'))
      throw new DemoStepFailure('booking v2: no successful rollback step in the record');
    if (during2.failed === 0)
      throw new DemoStepFailure('booking v2: no injected error reached the load (was the canary routed?)');
    const foreign = Object.entries(during2.failedByVersion).filter(([v]) => v !== 'v2');
    if (foreign.reduce((a, [, n]) => a + n, 0) > 3)
      throw new DemoStepFailure(
        `booking v2: failures not from the canary: ${JSON.stringify(Object.fromEntries(foreign))}`,
      );
    if (during2.failed > bound)
      throw new DemoStepFailure(
        `booking v2: ${during2.failed} of ${during2.total} requests failed, more than the canary's 10 % share (bound ${Math.floor(bound)})`,
      );
    record(
      current,
      `rolled back in ${figures2.seconds.toFixed(1)} s (${v2.failure?.reason}); ${during2.failed}/${during2.total} requests failed (${pct(during2.failed, during2.total)}; bound ${Math.floor(bound)} = 10 % share + 3σ; the canary answered ${canaryAnswers}); analysis: ${analysis2}`,
      figures2,
    );
    await sleep(1500);
    const after2 = load.summary(Date.now() - 1000);
    if (Object.keys(after2.byVersion).join() !== 'v1' || after2.failed > 0)
      throw new DemoStepFailure(`after the rollback booking answers ${JSON.stringify(after2)}`);
    summary.push(
      `bad canary v2: rolled back by analysis in ${figures2.seconds.toFixed(1)} s; ${during2.failed}/${during2.total} requests failed (${pct(during2.failed, during2.total)}, ≤ canary share)`,
    );

    // ---- 5. booking v3: promoted ----
    current = '5 canary v3 (good)';
    say('releasing booking v3 to production (canary 10 %, pause, analysis, promotion)');
    const m3start = measurements.length;
    const s3 = Date.now();
    const v3 = await deploy(
      prod,
      {
        platform: appointments,
        service: 'booking',
        environment: 'production',
        overrides: built('v3'),
        user: 'demo',
        reason: 'slipway demo: a good version',
      },
      lineEvents(say, 'booking v3'),
    );
    const e3 = Date.now();
    if (v3.status !== RELEASE_STATUS.deployed)
      throw new DemoStepFailure(`booking v3 ended ${v3.status}: ${v3.failure?.reason}`);
    await sleep(2000);
    const times = stepTimes(v3);
    const phases: Array<{
      phase: string;
      configured: string;
      requests: number;
      v3Share: number;
      failed: number;
    }> = [];
    const phase = (name: string, configured: string, from: number, to: number) => {
      const s = summarize(load.samples, from, to);
      phases.push({
        phase: name,
        configured,
        requests: s.ok,
        v3Share: versionShare(s, 'v3'),
        failed: s.failed,
      });
    };
    phase('before', '0 %', s3 - 2000, s3);
    for (const [name, t] of times) {
      const w = /setWeight (\d+)/.exec(name)?.[1];
      // The weight is set at the end of its step, once the canary pods are available.
      if (w) phase(`canary starting (weight ${w} % once ready)`, '0 %', t.start, t.end);
      else if (/^step \d+\/\d+: /.test(name))
        phase(name.replace(/^step \d+\/\d+: /, ''), '10 %', t.start + 1000, t.end);
      if (name === 'promote') phase('promote (stable rolls to v3)', '10 % → 100 %', t.start, t.end);
    }
    phase('after', '100 %', e3 + 200, Date.now());
    const all3 = load.summary(s3, Date.now());
    const m3 = measurements.slice(m3start).filter((m) => m.at >= s3 - 1000);
    const pauseP = phases.find((p) => /pause/.test(p.phase));
    const afterP = phases.at(-1)!;
    const sigma = pauseP ? Math.sqrt((0.1 * 0.9) / Math.max(1, pauseP.requests)) : 0;
    const figures3 = {
      phases,
      failed: all3.failed,
      requests: all3.total,
      measurements: m3,
      seconds: (e3 - s3) / 1000,
    };
    if (!pauseP || Math.abs(pauseP.v3Share - 0.1) > 4 * sigma + 0.02)
      throw new DemoStepFailure(
        `the v3 share during the canary pause was ${pauseP ? pct(pauseP.v3Share, 1) : 'not measured'}, expected 10 %`,
      );
    if (!m3.some((m) => m.phase === 'Successful'))
      throw new DemoStepFailure(`the analysis of v3 measured nothing successful: ${analysisText(m3)}`);
    if (afterP.v3Share !== 1 || afterP.requests === 0)
      throw new DemoStepFailure(`after promotion v3 answered ${pct(afterP.v3Share, 1)}`);
    if (all3.failed > Math.max(2, 0.005 * all3.total))
      throw new DemoStepFailure(`${all3.failed} of ${all3.total} requests failed during a good release`);
    record(
      current,
      `promoted in ${figures3.seconds.toFixed(1)} s; observed v3 share: ${phases.map((p) => `${p.phase} ${pct(p.v3Share, 1)} of ${p.requests}${p.failed ? ` (${p.failed} failed)` : ''}`).join(' → ')}; ${all3.failed} failed; analysis: ${analysisText(m3)}`,
      figures3,
    );
    summary.push(
      `good canary v3: promoted in ${figures3.seconds.toFixed(1)} s; v3 share ${phases.map((p) => `${p.phase.replace(/ \(.*\)$/, '')} ${pct(p.v3Share, 1)}`).join(', ')}; ${all3.failed} failed`,
    );

    // ---- 6. blue-green: budget backend, switch, instant rollback ----
    current = '6 blue-green';
    const bgStep = await blueGreenStep({ budget, kubeconfig: cluster.kubeconfigPath, say, loads: res.loads });
    record(current, bgStep.text, bgStep.figures);
    summary.push(bgStep.summary);

    // ---- load totals ----
    current = '7 load totals';
    await load.stop();
    const total = load.summary();
    const outside = total.failed - during2.failed;
    const ok = (st: number) => st >= 200 && st < 400;
    const outsideAt = load.samples
      .filter((x) => !ok(x.status) && (x.at < s2 || x.at > e2 + 1500))
      .map((x) => `${x.status || 'error'} at ${((x.at - t0) / 1000).toFixed(1)}s from ${x.version}`);
    record(
      current,
      `booking production: ${total.total} requests, ${total.failed} failed; by version ${JSON.stringify(total.byVersion)}; by status ${JSON.stringify(total.byStatus)}${outsideAt.length ? `; outside the bad canary: ${outsideAt.join(', ')}` : ''}`,
      { ...total, failedOutsideBadCanary: outsideAt },
    );
    summary.push(
      `booking load: ${total.total} requests at ${RATE}/s, ${total.failed} failed (${pct(total.failed, total.total)}), ${outside === 0 ? 'all during the bad canary' : `${outside} outside the bad canary`}`,
    );
    return report(true);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    record(current, msg, undefined, 'failed');
    return report(false, msg);
  }
}

/** Stops the dashboard, every load and (unless kept) the cluster and the workspace. Safe to call twice. */
export async function cleanup(res: DemoResources, keep: boolean): Promise<void> {
  const d = res.dashboard;
  delete res.dashboard;
  await d?.close().catch(() => undefined);
  await Promise.all(res.loads.map((l) => l.stop().catch(() => undefined)));
  res.loads = [];
  if (keep) return;
  const c = res.cluster;
  delete res.cluster;
  if (c) await c.stop().catch(() => undefined);
  const w = res.workspace;
  delete res.workspace;
  w?.remove();
}
