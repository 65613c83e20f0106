// One local cluster per test file, running the fixture platform (copied to a temporary directory so
// that `.slipway/cluster` lives there and the CLI finds it), a connected client, and helpers.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type LoadedPlatform, loadPlatform } from '../../src/config/load.ts';
import { connect, type KubeClient } from '../../src/kube/client.ts';
import { type LocalCluster, startLocalCluster } from '../../src/localcluster/cluster.ts';
import type { ReleaseEvents } from '../../src/release/types.ts';

export const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'shop');
export const DEMO_SERVICE = resolve(import.meta.dirname, '..', '..', 'demo-service', 'server.mjs');
export const NAMESPACE = 'shop-dev';

export interface ReleaseTestEnv {
  dir: string;
  platform: LoadedPlatform;
  cluster: LocalCluster;
  client: KubeClient;
  close(): Promise<void>;
}

export async function startReleaseEnv(): Promise<ReleaseTestEnv> {
  // Every local cluster hands out pod addresses from 127.1.0.1 up, so clusters of tests running at the
  // same time on one machine share addresses (Services too, from 127.0.2.1): ports of our own keep
  // our pods and Services apart.
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  return startFixtureEnv(FIXTURE, 'slipway-release-', `ports:\n  http: ${port}\nservice:\n  port: ${port}\n`);
}

/**
 * A local cluster running a copy of a `shop` fixture platform (in a temporary directory, so that
 * `.slipway/cluster` lives there and the CLI finds it), with `extraValues` appended to its values.yaml,
 * and a client connected to its namespace. close() stops everything and removes the copy.
 */
export async function startFixtureEnv(
  fixture: string,
  prefix: string,
  extraValues: string,
): Promise<ReleaseTestEnv> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(fixture, dir, { recursive: true });
  // the copy's localImages command must not depend on where the copy lives
  const file = join(dir, 'slipway.yaml');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace('../../../../demo-service/server.mjs', DEMO_SERVICE),
  );
  const values = join(dir, 'values.yaml');
  writeFileSync(values, `${readFileSync(values, 'utf8')}${extraValues}`);
  let cluster: LocalCluster | undefined;
  try {
    cluster = await startLocalCluster({
      dir: join(dir, '.slipway', 'cluster'),
      imageMappings: [{ image: 'example.test/shop/*', command: ['node', DEMO_SERVICE], cwd: dir }],
      backoffBaseMs: 200,
      log: () => {},
    });
    const client = await connect({ kubeconfigPath: cluster.kubeconfigPath, namespace: NAMESPACE });
    await client.ensureNamespace(NAMESPACE);
    const platform = await loadPlatform(dir);
    const c = cluster;
    return {
      dir,
      platform,
      cluster: c,
      client,
      async close() {
        await c.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Events collected for assertions (and printed with RELEASE_TEST_VERBOSE=1). */
export function recordingEvents(): ReleaseEvents & { lines: string[]; steps: string[] } {
  const lines: string[] = [];
  const steps: string[] = [];
  const verbose = process.env.RELEASE_TEST_VERBOSE === '1';
  return {
    lines,
    steps,
    step(s) {
      if (s.endedAt) steps.push(`${s.name}:${s.outcome}`);
      if (verbose) process.stderr.write(`step ${s.name} ${s.outcome ?? 'started'} ${s.detail ?? ''}\n`);
    },
    progress(p) {
      if (verbose) process.stderr.write(`progress ${p.map((x) => `${x.name} ${x.message}`).join('; ')}\n`);
    },
    log(line) {
      lines.push(line);
      if (verbose) process.stderr.write(`log ${line}\n`);
    },
  };
}

/** Calls the Service over and over until stopped; counts answers by status. */
export function trafficTo(url: () => string | undefined): {
  stop(): Promise<{ ok: number; failed: number; errors: string[] }>;
} {
  let running = true;
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  const loop = (async () => {
    while (running) {
      const u = url();
      if (!u) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      try {
        const res = await fetch(`${u}/api/info`, { signal: AbortSignal.timeout(3000) });
        const body = await res.text();
        if (res.status === 200) ok++;
        else {
          failed++;
          if (errors.length < 5) errors.push(`HTTP ${res.status} ${body.slice(0, 120)}`);
        }
      } catch (e) {
        failed++;
        if (errors.length < 5) errors.push((e as Error).message);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { ok, failed, errors };
    },
  };
}
