// `slipway demo [--keep] [--output text|json]`: the guided end-to-end run on the embedded local cluster
// (see src/demo/run.ts). Progress goes to stderr; the timeline and summary (or one JSON document) to
// stdout. Exit 0 when every step behaved as expected, 1 naming the step that did not. Everything the
// demo started is stopped at the end, on failure and on Ctrl-C, unless --keep.
import type { Command } from '@commander-js/extra-typings';
import type { DemoReport, DemoResources } from '../../demo/run.ts';
import { color, parseOutputFormat } from '../output.ts';

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
    .option('-o, --output <format>', 'text or json (one JSON document)', 'text')
    .action(async (options) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      const { runDemo, cleanup } = await import('../../demo/run.ts');
      const res: DemoResources = { loads: [] };
      const keep = options.keep;
      let stopping = false;
      const onSignal = (sig: NodeJS.Signals) => {
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
          },
          res,
        );
      } finally {
        if (!stopping) await cleanup(res, keep);
      }
      if (format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printText(report);
      // Blue-green scale-downs are timers of minutes; nothing else is left running, so end here.
      await new Promise<void>((r) => process.stdout.write('', () => r()));
      process.exit(report.ok ? 0 : 1);
    });
}
