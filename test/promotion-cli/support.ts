// Helpers of the promotion CLI tests: a temporary git copy of examples/ehealth, the CLI run as a child
// process (as a user would, through bin/slipway.js with SLIPWAY_USER), and the store of the copy.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runningLocalCluster } from '../../src/cli/target.ts';
import { loadPlatform } from '../../src/config/load.ts';
import { namespaceFor } from '../../src/config/model.ts';
import { connect } from '../../src/kube/client.ts';
import { type LocalCluster, startLocalCluster } from '../../src/localcluster/cluster.ts';
import { serviceTarget } from '../../src/release/engine.ts';
import { openStore } from '../../src/store/index.ts';
import type { DeploymentSeen, StateStore } from '../../src/store/types.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const EHEALTH = join(ROOT, 'examples', 'ehealth');
export const DEMO_SERVICE = join(ROOT, 'demo-service', 'server.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `slipway -C dir …args` as `user`. */
export function slipway(
  dir: string,
  user: string | undefined,
  args: string[],
  env: Record<string, string> = {},
  timeout = 120_000,
): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'slipway.js'), '-C', dir, ...args],
      {
        env: {
          ...process.env,
          SLIPWAY_FROM_SOURCE: '1',
          NO_COLOR: '1',
          ...(user ? { SLIPWAY_USER: user } : {}),
          ...env,
        },
        timeout,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export const git = (dir: string, args: string[]): string =>
  execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'test',
      GIT_AUTHOR_EMAIL: 'test@example.test',
      GIT_COMMITTER_NAME: 'test',
      GIT_COMMITTER_EMAIL: 'test@example.test',
    },
  });

/** A temporary copy of examples/ehealth as its own git repository; `edit` may change slipway.yaml. */
export function ehealthCopy(prefix: string, edit?: (yaml: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(EHEALTH, dir, { recursive: true, filter: (src) => !src.includes(`${join(EHEALTH, '.slipway')}`) });
  const file = join(dir, 'slipway.yaml');
  let text = readFileSync(file, 'utf8').replace('../../demo-service/server.mjs', DEMO_SERVICE);
  if (edit) text = edit(text);
  writeFileSync(file, text);
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.email', 'test@example.test']);
  git(dir, ['config', 'user.name', 'test']);
  git(dir, ['config', 'commit.gpgsign', 'false']);
  writeFileSync(join(dir, '.gitignore'), '.slipway/\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'platform']);
  return dir;
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Opens the copy's SQLite store, runs fn, closes it. */
export async function withStore<T>(dir: string, fn: (s: StateStore) => Promise<T>): Promise<T> {
  const s = await openStore(undefined, dir);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/**
 * Starts the copy's local cluster in this process (the CLI finds it through .slipway/cluster, as it
 * finds one that `slipway cluster up` started); stop() it in `after`.
 */
export function startCopyCluster(dir: string): Promise<LocalCluster> {
  return startLocalCluster({ dir: join(dir, '.slipway', 'cluster'), log: () => {} });
}

/**
 * A finished release in the copy's in-cluster history, as the engine writes it (what promotion reads
 * to know what runs and since when). Needs the cluster of startCopyCluster.
 */
export async function seedDeployment(
  dir: string,
  d: Omit<DeploymentSeen, 'status' | 'digest'> & Partial<Pick<DeploymentSeen, 'status' | 'digest'>>,
): Promise<void> {
  const platform = await loadPlatform(dir);
  const kubeconfigPath = runningLocalCluster(dir);
  if (!kubeconfigPath) throw new Error(`no local cluster runs for ${dir}: call startCopyCluster first`);
  const namespace = namespaceFor(platform, d.environment);
  const client = await connect({ kubeconfigPath, namespace });
  await client.ensureNamespace(namespace);
  const t = serviceTarget(client, { platform, service: d.service, environment: d.environment });
  await t.history.create({
    platform: platform.platform.name,
    service: d.service,
    environment: d.environment,
    status: (d.status ?? 'succeeded') === 'succeeded' ? 'deployed' : 'failed',
    strategy: 'rolling',
    version: { ...(d.version ? { tag: d.version } : {}), ...(d.digest ? { digest: d.digest } : {}) },
    values: {},
    manifests: [],
    startedBy: 'seed',
    startedAt: d.finishedAt,
    endedAt: d.finishedAt,
    steps: [],
  });
}

export const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
export const HOUR = 3_600_000;
