// The local cluster's lifecycle through the real CLI and processes: the API and metrics ports kept
// across `cluster down` / `up` (and a clear note when another process took the remembered one), pod
// processes that die with a cluster process killed by SIGKILL, and `deploy --dry-run` that never
// starts a cluster. Every process started here is killed by pid in after(), even when a test fails.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readClusterRecord } from '../../src/localcluster/cluster.ts';

const ROOT = join(import.meta.dirname, '../..');
const DEMO = join(ROOT, 'demo-service/server.mjs');
const CLUSTER_MAIN = join(ROOT, 'src/localcluster/cluster-main.ts');
const SHOP = join(ROOT, 'test/progressive/fixtures/shop');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const kill = (pid: number) => {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {}
  }
};

async function waitFor<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 20_000,
) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const podPids = (dir: string): number[] => {
  try {
    return (JSON.parse(readFileSync(join(dir, 'pids.json'), 'utf8')) as Array<{ pid: number }>).map(
      (e) => e.pid,
    );
  } catch {
    return [];
  }
};

function cli(platform: string, ...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/slipway.js'), '-C', platform, ...args],
      {
        env: { ...process.env, SLIPWAY_FROM_SOURCE: '1', NO_COLOR: '1', SLIPWAY_USER: 'tester' },
        timeout: 90_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('local cluster lifecycle', () => {
  const dirs: string[] = [];
  const pids = new Set<number>();
  const servers: Server[] = [];
  after(() => {
    for (const pid of pids) kill(pid);
    for (const s of servers) s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const track = (dir: string) => {
    const rec = readClusterRecord(dir);
    if (rec) pids.add(rec.pid);
    for (const p of podPids(dir)) pids.add(p);
    return rec;
  };

  it('keeps the API and metrics ports across cluster down / up, and says so when one was taken', async () => {
    const platform = mkdtempSync(join(tmpdir(), 'slipway-lifecycle-'));
    dirs.push(platform);
    const dir = join(platform, '.slipway', 'cluster');
    let r = await cli(platform, 'cluster', 'up');
    const first = track(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(first);
    r = await cli(platform, 'cluster', 'down');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(alive(first.pid), false);

    r = await cli(platform, 'cluster', 'up');
    const second = track(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(second);
    assert.notEqual(second.pid, first.pid);
    assert.equal(second.port, first.port, 'the API port is kept');
    assert.equal(second.metricsPort, first.metricsPort, 'the metrics port is kept');
    assert.match(readFileSync(second.kubeconfigPath, 'utf8'), new RegExp(`server: ${second.url}`));
    r = await cli(platform, 'cluster', 'down');
    assert.equal(r.code, 0, r.stderr);

    // Another process takes the remembered API port meanwhile: a free one, and a note naming both.
    const squatter = createServer();
    servers.push(squatter);
    await new Promise<void>((resolve) => squatter.listen(first.port, '127.0.0.1', resolve));
    r = await cli(platform, 'cluster', 'up');
    const third = track(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(third);
    assert.notEqual(third.port, first.port);
    assert.match(
      r.stdout,
      new RegExp(
        `API port ${first.port} of the previous run is in use by another process; listening on ${third.port}`,
      ),
    );
    r = await cli(platform, 'cluster', 'down');
    assert.equal(r.code, 0, r.stderr);
    squatter.close();
    assert.equal(JSON.parse(readFileSync(join(dir, 'ports.json'), 'utf8')).port, third.port, 'remembered');

    // An explicit --port that is taken is an error naming it.
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    r = await cli(platform, 'cluster', 'up', '--port', String(taken));
    track(dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`the API port ${taken} is in use by another process`));
  });

  it('pod processes die with a cluster process killed by SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-sigkill-'));
    dirs.push(dir);
    const options = { dir, imageMappings: [{ image: 'ghcr.io/demo/*', command: ['node', DEMO] }] };
    const child = spawn(process.execPath, ['--import', 'tsx', CLUSTER_MAIN, JSON.stringify(options)], {
      detached: true,
      stdio: 'ignore',
      cwd: ROOT,
    });
    pids.add(child.pid!);
    const rec = await waitFor('the cluster record', () => {
      const x = readClusterRecord(dir);
      return x?.pid === child.pid ? x : undefined;
    });
    const pod = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'ghcr.io/demo/x:1', ports: [{ containerPort: 8080 }] }] },
    });
    for (const name of ['one', 'two']) {
      const res = await fetch(`${rec.url}/api/v1/namespaces/default/pods`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pod(name)),
      });
      assert.equal(res.status, 201, await res.text());
    }
    const running = await waitFor('two pod processes', () => {
      const p = podPids(dir).filter(alive);
      return p.length === 2 ? p : undefined;
    });
    for (const p of running) pids.add(p);

    const killedAt = Date.now();
    process.kill(child.pid!, 'SIGKILL');
    await waitFor('the pod processes to end', () => running.every((p) => !alive(p)), 8_000);
    const took = Date.now() - killedAt;
    assert.ok(took < 5_000, `pod processes ended ${took} ms after the SIGKILL`);
  });

  it('deploy --dry-run without a running cluster starts none and says why', async () => {
    const platform = mkdtempSync(join(tmpdir(), 'slipway-dryrun-'));
    dirs.push(platform);
    cpSync(SHOP, platform, { recursive: true });
    const file = join(platform, 'slipway.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('../../../../demo-service/server.mjs', DEMO));
    const dir = join(platform, '.slipway', 'cluster');
    const r = await cli(platform, 'deploy', 'cart', '--env', 'dev', '--image-tag', 'v1', '--dry-run');
    const rec = track(dir);
    assert.equal(rec, undefined, 'no cluster was started');
    assert.equal(existsSync(join(dir, 'cluster.json')), false);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /local cluster is not running \(a dry run does not start it\)/);
    assert.match(r.stderr, /slipway cluster up/);
  });
});
