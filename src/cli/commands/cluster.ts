// `slipway cluster up|down|status`: the embedded local cluster as a background process (or in the
// foreground), its kubeconfig, and what runs in it. Image mappings come from slipway.yaml `localImages`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import type { ClusterStatus, ImageMapping, LocalClusterOptions } from '../../localcluster/cluster.ts';
import { readClusterRecord } from '../../localcluster/cluster.ts';
import { killStaleProcesses } from '../../localcluster/pods/runner.ts';
import { isSlipwayError, SlipwayError, usageError } from '../../shared/errors.ts';
import { color, parseOutputFormat, printJson } from '../output.ts';
import { childNodeArgs } from '../self.ts';

export const DEFAULT_CLUSTER_DIR = join('.slipway', 'cluster');

function clusterDir(platformDir: string, dir: string | undefined): string {
  return resolve(dir ?? join(platformDir, DEFAULT_CLUSTER_DIR));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/version`, { signal: AbortSignal.timeout(1_000) });
    return r.ok;
  } catch {
    return false;
  }
}

/** `localImages` from slipway.yaml, commands' relative paths resolved against the platform dir. */
async function imageMappings(platformDir: string): Promise<ImageMapping[]> {
  if (!existsSync(join(platformDir, 'slipway.yaml'))) return [];
  const loaded = await loadPlatform(platformDir);
  return (loaded.platform.localImages ?? []).map((m) => ({
    image: m.image,
    command: m.command.map((part, i) =>
      i > 0 && !isAbsolute(part) && (part.startsWith('.') || part.includes('/'))
        ? resolve(loaded.dir, part)
        : part,
    ),
    ...(m.env ? { env: m.env } : {}),
    cwd: loaded.dir,
  }));
}

function mainScript(): { args: string[] } {
  return { args: childNodeArgs(new URL('../../localcluster/cluster-main.ts', import.meta.url)) };
}

function printRunning(url: string, kubeconfig: string, note = ''): void {
  process.stdout.write(
    `${color.green('local cluster running')} at ${url}${note}\n` +
      `kubeconfig: ${kubeconfig}\n` +
      `  export KUBECONFIG=${kubeconfig}\n`,
  );
}

async function up(
  platformDir: string,
  o: { dir?: string; port?: string; foreground?: boolean },
): Promise<void> {
  const dir = clusterDir(platformDir, o.dir);
  const port = o.port === undefined ? undefined : Number(o.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    throw usageError(`--port must be a port number, not "${o.port}"`);
  }
  const existing = readClusterRecord(dir);
  if (existing && alive(existing.pid) && (await answers(existing.url))) {
    printRunning(existing.url, existing.kubeconfigPath, ` (already running, pid ${existing.pid})`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  const options: LocalClusterOptions = {
    dir,
    imageMappings: await imageMappings(resolve(platformDir)),
    ...(port !== undefined ? { port } : {}),
  };
  if (o.foreground) {
    const { startLocalCluster } = await import('../../localcluster/cluster.ts');
    const cluster = await startLocalCluster(options);
    printRunning(cluster.url, cluster.kubeconfigPath, ' (foreground; Ctrl-C stops it)');
    for (const n of readClusterRecord(dir)?.notes ?? [])
      process.stdout.write(`${color.yellow('note:')} ${n}\n`);
    await new Promise<void>((done) => {
      const stop = () => void cluster.stop().then(done);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return;
  }
  const logPath = join(dir, 'cluster.log');
  const fd = openSync(logPath, 'a');
  const child = spawn(process.execPath, [...mainScript().args, JSON.stringify(options)], {
    detached: true,
    stdio: ['ignore', fd, fd],
    cwd: resolve(platformDir),
  });
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  child.unref();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rec = readClusterRecord(dir);
    if (rec && rec.pid === child.pid && (await answers(rec.url))) {
      printRunning(rec.url, rec.kubeconfigPath, ` (pid ${rec.pid}, log ${logPath})`);
      for (const n of rec.notes ?? []) process.stdout.write(`${color.yellow('note:')} ${n}\n`);
      return;
    }
    if (exited !== undefined || Date.now() > deadline) {
      if (exited === undefined && child.pid) process.kill(child.pid, 'SIGTERM');
      const tail = readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n');
      throw new SlipwayError(
        'failed',
        `the local cluster did not start${exited !== undefined ? ` (exit code ${exited})` : ' within 30 s'}`,
        {
          details: tail ? [tail] : [],
          hint: `See ${logPath}; --port picks another API port, --foreground shows the output directly.`,
        },
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function down(platformDir: string, o: { dir?: string }): Promise<void> {
  const dir = clusterDir(platformDir, o.dir);
  const rec = readClusterRecord(dir);
  if (!rec || !alive(rec.pid)) {
    const leftovers = killStaleProcesses(join(dir, 'pids.json'));
    process.stdout.write(
      `no local cluster running in ${dir}${leftovers ? ` (stopped ${leftovers} leftover pod processes)` : ''}\n`,
    );
    return;
  }
  process.kill(rec.pid, 'SIGTERM');
  const deadline = Date.now() + 45_000;
  while (alive(rec.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(rec.pid)) process.kill(rec.pid, 'SIGKILL');
  const leftovers = killStaleProcesses(join(dir, 'pids.json'));
  process.stdout.write(
    `local cluster stopped (pid ${rec.pid})${leftovers ? `; killed ${leftovers} leftover pod processes` : ''}\n`,
  );
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

export function formatStatus(s: ClusterStatus): string {
  const lines = [
    `${color.bold('local cluster')}  ${s.url}  (pid ${s.pid})`,
    `kubeconfig     ${s.kubeconfigPath}`,
    `metrics        ${s.metricsUrl}/metrics   query: ${s.metricsUrl}/query?service=<name>&namespace=<ns>&since=<ms>`,
    `objects        ${
      Object.entries(s.objects)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }`,
    '',
  ];
  if (s.pods.length) {
    lines.push(
      pad([
        ['NAMESPACE', 'POD', 'READY', 'STATUS', 'RESTARTS', 'IP'],
        ...s.pods.map((p) => [p.namespace, p.name, p.ready, p.phase, String(p.restarts), p.ip]),
      ]),
      '',
    );
  } else {
    lines.push('no pods', '');
  }
  if (s.services.length) {
    lines.push(
      pad([
        ['SERVICE', 'CLUSTER-IP', 'PORTS (service→local)', 'ROUTES'],
        ...s.services.map((v) => [
          v.service,
          v.clusterIP,
          v.ports.map((p) => `${p.port}→${p.listen}/${p.protocol}`).join(','),
          v.routes.join(', ') || '-',
        ]),
      ]),
    );
  } else {
    lines.push('no services');
  }
  return `${lines.join('\n')}\n`;
}

async function clusterStatus(platformDir: string, o: { dir?: string; output: string }): Promise<void> {
  const format = parseOutputFormat(o.output, ['text', 'json']);
  const dir = clusterDir(platformDir, o.dir);
  const rec = readClusterRecord(dir);
  if (!rec || !alive(rec.pid)) {
    throw new SlipwayError('unreachable', `no local cluster is running in ${dir}`, {
      hint: 'Start one with `slipway cluster up`.',
    });
  }
  let s: ClusterStatus;
  try {
    s = (await (
      await fetch(`${rec.metricsUrl}/status`, { signal: AbortSignal.timeout(5_000) })
    ).json()) as ClusterStatus;
  } catch (e) {
    throw new SlipwayError(
      'unreachable',
      `the local cluster (pid ${rec.pid}) does not answer at ${rec.metricsUrl}`,
      {
        cause: e,
        hint: `See ${join(dir, 'cluster.log')}; \`slipway cluster down\` then \`up\` restarts it.`,
      },
    );
  }
  if (format === 'json') printJson(s);
  else process.stdout.write(formatStatus(s));
}

export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description('the embedded local cluster: start, stop, inspect');
  const platformDir = (cmd: { optsWithGlobals(): unknown }) =>
    (cmd.optsWithGlobals() as { dir?: string }).dir ?? '.';
  cluster
    .command('up')
    .description('start the local cluster in the background and print its kubeconfig path')
    .option(
      '--cluster-dir <path>',
      `where the cluster keeps its state (default <platform>/${DEFAULT_CLUSTER_DIR})`,
    )
    .option(
      '--port <port>',
      'API server port (default: the previous one, kept in <cluster dir>/ports.json, unless another process took it; else any free port)',
    )
    .option('--foreground', 'run in this process until Ctrl-C', false)
    .action(async (o, cmd) => {
      await wrap(() =>
        up(platformDir(cmd), { ...toDir(o), ...(o.port ? { port: o.port } : {}), foreground: o.foreground }),
      );
    });
  cluster
    .command('down')
    .description('stop the local cluster and every pod process it started')
    .option('--cluster-dir <path>', 'the cluster directory')
    .action(async (o, cmd) => {
      await wrap(() => down(platformDir(cmd), toDir(o)));
    });
  cluster
    .command('status')
    .description('address, object counts, pods and service addresses with their port mappings')
    .option('--cluster-dir <path>', 'the cluster directory')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (o, cmd) => {
      await wrap(() => clusterStatus(platformDir(cmd), { ...toDir(o), output: o.output }));
    });
}

function toDir(o: { clusterDir?: string }): { dir?: string } {
  return o.clusterDir ? { dir: o.clusterDir } : {};
}

async function wrap(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (isSlipwayError(e)) throw e;
    throw new SlipwayError('failed', e instanceof Error ? e.message : String(e), { cause: e });
  }
}
