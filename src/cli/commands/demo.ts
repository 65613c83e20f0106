// `slipway demo [--keep] [--keep-serving] [--output text|json]`: the guided end-to-end run on the
// embedded local cluster (see src/demo/run.ts). Progress goes to stderr; the timeline and summary (or
// one JSON document) to stdout. Exit 0 when every step behaved as expected, 1 naming the step that did
// not. Once the cluster runs, the dashboard of `slipway serve` runs in this process on a loopback port,
// and a one-time login link for the person at the terminal is printed (one-time-login.ts): the pages
// still need a session, there is no open page. Everything the demo started is stopped at the end, on
// failure and on Ctrl-C, unless --keep (the cluster stays) or --keep-serving (all stays until Ctrl-C).
import type { Command } from '@commander-js/extra-typings';
import type { LoadedPlatform } from '../../config/load.ts';
import type { DemoDashboard, DemoReport, DemoResources } from '../../demo/run.ts';
import type { OneTimeLogin } from '../../server/one-time-login.ts';
import { color, parseOutputFormat } from '../output.ts';

/** The server's modules, loaded while the cluster starts so the dashboard does not delay the demo. */
const dashboardModules = () =>
  Promise.all([
    import('./serve.ts'),
    import('../../server/one-time-login.ts'),
    import('../../promotion/identity.ts'),
  ]);

/** The control plane of `slipway serve` on the demo's platform, with one-time login links. */
async function startDashboard(
  modules: ReturnType<typeof dashboardModules>,
  platform: LoadedPlatform,
  version: string,
  say: (line: string) => void,
): Promise<DemoDashboard & { links: OneTimeLogin }> {
  const [{ startControlPlane }, { OneTimeLogin }, { currentUser, gitUser }] = await modules;
  // The person the CLI would act as, here; the demo's own releases stay recorded as `demo`.
  const user = currentUser(process.env, await gitUser(platform.dir));
  const links = new OneTimeLogin(user);
  const { server, close } = await startControlPlane(platform, {
    host: '127.0.0.1',
    port: 0,
    version,
    // The autoDeploy notes are advice for a real `slipway serve`; the demo deploys by itself.
    log: (l) => {
      if (!l.startsWith('note: ')) say(`  dashboard: ${l}`);
    },
    // No leader work: the releases in flight are the demo's own, never to be resumed by the server.
    oneTimeLogin: links,
  });
  say(
    `dashboard ${server.url}/ — log in as ${user.name} with this one-time link (it works once, within 10 minutes):`,
  );
  say(`  ${server.url}${links.issue()}`);
  return { url: server.url, close, links };
}

function printText(r: DemoReport): void {
  const w = (s: string) => process.stdout.write(`${s}\n`);
  w('');
  w(color.bold('timeline'));
  for (const e of r.timeline) {
    const mark = e.outcome === 'ok' ? color.green('✔') : color.red('✖');
    w(`  ${`${e.t.toFixed(1)}s`.padStart(7)}  ${mark} ${e.step.padEnd(20)} ${e.text}`);
  }
  w('');
  w(color.bold('summary'));
  w('  adapted in the temporary copies, for the demo only:');
  for (const a of r.adaptations) w(`    - ${a}`);
  for (const s of r.summary) w(`  ${s}`);
  w(`  wall time ${r.wallSeconds.toFixed(1)} s`);
  if (r.kept) {
    w(`  cluster kept running; kubeconfig: ${r.kept.kubeconfig}`);
    w(`    export KUBECONFIG=${r.kept.kubeconfig}`);
    w(`  stop it: ${r.kept.stop}`);
  }
  w(
    r.ok
      ? color.green('demo passed: every step behaved as expected')
      : color.red(`demo failed at step ${r.failedStep}: ${r.error}`),
  );
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'the guided end-to-end run: local cluster, appointments v1 everywhere, a bad canary rolled back, a good one promoted, a blue-green switch and instant rollback, under live load',
    )
    .option('--keep', 'leave the local cluster running afterwards (prints its kubeconfig)', false)
    .option(
      '--keep-serving',
      'keep the dashboard (and the cluster) up after the run until Ctrl-C; prints a fresh login link',
      false,
    )
    .option('-o, --output <format>', 'text or json (one JSON document)', 'text')
    .action(async (options) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      const { runDemo, cleanup } = await import('../../demo/run.ts');
      const modules = dashboardModules();
      modules.catch(() => {}); // a failure is reported when the dashboard starts
      const res: DemoResources = { loads: [] };
      const keep = options.keep;
      const err = (line: string) => process.stderr.write(`${line}\n`);
      let dashboard: Awaited<ReturnType<typeof startDashboard>> | undefined;
      let stopping = false;
      // Set while --keep-serving waits: Ctrl-C then ends the demo the ordinary way.
      let endServing: (() => void) | undefined;
      const onSignal = (sig: NodeJS.Signals) => {
        if (endServing) return endServing();
        if (stopping) return;
        stopping = true;
        // After a hang-up the terminal is gone: writing to it must not stop the cleanup.
        process.stdout.on('error', () => {});
        process.stderr.on('error', () => {});
        process.stderr.write(`\n${sig}: stopping the demo${keep ? ' (the cluster is kept)' : ''}\n`);
        void cleanup(res, keep).finally(() => process.exit(130));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      process.on('SIGHUP', onSignal);
      let report: DemoReport;
      try {
        report = await runDemo(
          {
            keep,
            out: (s) => process.stderr.write(s),
            tty: process.stderr.isTTY === true && !process.env.CI,
            // The dashboard is for watching: the demo goes on without it rather than fail.
            dashboard: async (platform) => {
              dashboard = await startDashboard(modules, platform, program.version() ?? '0.0.0', err).catch(
                (e: Error) => {
                  err(`the dashboard did not start (${e.message}); the demo goes on without it`);
                  return undefined;
                },
              );
              return dashboard;
            },
          },
          res,
        );
      } catch (e) {
        if (!stopping) await cleanup(res, keep);
        throw e;
      }
      const serving = options.keepServing && dashboard !== undefined && res.dashboard !== undefined;
      if (serving) {
        // The load has nothing more to show; the cluster and the dashboard stay.
        await Promise.all(res.loads.map((l) => l.stop().catch(() => undefined)));
        res.loads = [];
      } else if (!stopping) await cleanup(res, keep);
      if (format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printText(report);
      if (serving && dashboard && !stopping) {
        err(`the dashboard stays up at ${dashboard.url}/ until Ctrl-C; a fresh one-time login link:`);
        err(`  ${dashboard.url}${dashboard.links.issue()}`);
        await new Promise<void>((resolve) => {
          endServing = resolve;
        });
        endServing = undefined; // a second Ctrl-C during the cleanup stops at once, as during the run
        err('stopping the dashboard and everything the demo started');
        await cleanup(res, keep);
      }
      // Blue-green scale-downs are timers of minutes; nothing else is left running, so end here.
      await new Promise<void>((r) => process.stdout.write('', () => r()));
      process.exit(report.ok ? 0 : 1);
    });
}
