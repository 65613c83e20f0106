// The emergency stop through the real CLI on the local cluster: `slipway freeze --all` while a canary
// runs at weight 20 holds it there for longer than its pause and step timeout would allow (the hold
// stops those clocks), refuses a new deploy, and `slipway unfreeze --all` lets the canary go on to
// 100 % and be recorded deployed. A person who does not administer every environment changes nothing.
// Every command runs as a child process, as a user would run it, except the `freeze --all` that must
// land inside the 2 s pause: a child CLI takes 2-4 s to start from source here, so that one runs the
// same command (registerFreeze, the session, the output) in this process.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Command } from '@commander-js/extra-typings';
import { registerFreeze } from '../../src/cli/commands/freeze.ts';
import { loadPlatform } from '../../src/config/load.ts';
import { connect, type KubeClient } from '../../src/kube/client.ts';
import type { LocalCluster } from '../../src/localcluster/cluster.ts';
import { serviceTarget } from '../../src/release/engine.ts';
import { FREEZE_MARKER } from '../../src/release/freeze-marker.ts';
import { openStore } from '../../src/store/index.ts';
import type { AuditRecord, FreezeRecord } from '../../src/store/types.ts';
import { type CliResult, slipway as run } from '../promotion-cli/support.ts';
import { startFixturePlatform } from './support.ts';

const DEV = 'emergency-dev';
const PROD = 'emergency-prod';

describe('emergency stop: freeze --all and unfreeze --all (CLI, local cluster)', () => {
  let dir: string;
  let cluster: LocalCluster | undefined;
  let dev: KubeClient;
  const slipway = (user: string, args: string[]): Promise<CliResult> => run(dir, user, args, {}, 60_000);
  const ok = (r: CliResult, what: string) => assert.equal(r.code, 0, `${what}\n${r.stdout}\n${r.stderr}`);

  const fromStore = async <T>(fn: (s: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> => {
    const s = await openStore(undefined, dir);
    try {
      return await fn(s);
    } finally {
      await s.close();
    }
  };
  const freezes = (): Promise<FreezeRecord[]> => fromStore((s) => s.listFreezes());
  const audit = (): Promise<AuditRecord[]> => fromStore((s) => s.listAudit());
  const marker = (ns: string) => dev.get('v1', 'ConfigMap', FREEZE_MARKER, ns);

  /** `slipway -C dir …args` as `user` in this process (the command's own code, no start-up). */
  const inProcess = async (user: string, args: string[]): Promise<CliResult> => {
    const program = new Command().option('-C, --dir <path>', '', '.').exitOverride();
    registerFreeze(program);
    const saved = { user: process.env.SLIPWAY_USER, write: process.stdout.write };
    let stdout = '';
    process.env.SLIPWAY_USER = user;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      await program.parseAsync(['-C', dir, ...args], { from: 'user' });
      return { code: 0, stdout, stderr: '' };
    } catch (e) {
      return { code: 1, stdout, stderr: (e as Error).message };
    } finally {
      process.stdout.write = saved.write;
      if (saved.user === undefined) delete process.env.SLIPWAY_USER;
      else process.env.SLIPWAY_USER = saved.user;
    }
  };

  /** The canary's weight in the VirtualService (undefined before the canary routes). */
  const weight = async (): Promise<number | undefined> => {
    const vs = await dev.get('networking.istio.io/v1beta1', 'VirtualService', 'cart', DEV);
    const http = (vs?.spec as { http?: Array<{ name?: string; route: Array<{ weight?: number }> }> })?.http;
    return http?.find((h) => h.name === 'primary')?.route[1]?.weight;
  };

  before(async () => {
    ({ dir, cluster } = await startFixturePlatform('emergency'));
    dev = await connect({ kubeconfigPath: cluster.kubeconfigPath, namespace: DEV });
  });
  after(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('someone who does not administer every environment is refused: exit 1, nothing declared', async () => {
    ok(await slipway('ada', ['deploy', 'cart', '--env', 'dev']), 'the first release (rolls out whole)');
    const r = await slipway('dana', ['freeze', '--all', '--reason', 'INC-7']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /dana may not administer prod: `freeze --all` needs an admin of every environment/,
    );
    assert.deepEqual(await freezes(), []);
    assert.equal(await marker(DEV), undefined);
    const last = (await audit()).at(-1)!;
    assert.equal(`${last.action} ${last.actor} ${last.environment}`, 'permission-denied dana prod');
    assert.ok(!(await audit()).some((e) => e.action === 'freeze'), 'no freeze audited');
  });

  test('a running canary holds at weight 20 past its pause and deadlines; unfreeze lets it finish', async () => {
    const deployStart = Date.now();
    const deploying = slipway('dana', ['deploy', 'cart', '--env', 'dev', '--image-tag', 'v2']);
    let settled: CliResult | undefined;
    void deploying.then((r) => {
      settled = r;
    });
    const seen: Array<{ at: number; weight: number | undefined }> = [];
    const watch = setInterval(() => {
      void weight().then(
        (w) => seen.push({ at: Date.now(), weight: w }),
        () => {},
      );
    }, 100);
    try {
      for (const end = Date.now() + 30_000; (await weight()) !== 20; ) {
        assert.ok(!settled, `the deploy ended before weight 20:\n${settled?.stdout}\n${settled?.stderr}`);
        assert.ok(Date.now() < end, 'the canary never reached weight 20');
        await new Promise((r) => setTimeout(r, 100));
      }
      const at20 = Date.now();
      const frozen = await inProcess('ada', ['freeze', '--all', '--reason', 'INC-7 payments down']);
      const frozenAt = Date.now();
      assert.equal(await weight(), 20, 'frozen while at weight 20');
      ok(frozen, 'freeze --all');
      assert.match(frozen.stdout, /^dev frozen \(#\d+\) until `slipway unfreeze`: INC-7 payments down$/m);
      assert.match(frozen.stdout, /^prod frozen \(#\d+\)/m);
      assert.doesNotMatch(frozen.stderr, /not told/);
      assert.ok(await marker(DEV), 'the marker is in dev');
      assert.ok(await marker(PROD), 'and in prod');

      // A new release is refused while frozen.
      const refused = await slipway('ada', ['deploy', 'cart', '--env', 'prod']);
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /prod is frozen \(declared freeze #\d+ by ada: INC-7 payments down\)/);

      // Held past what is left of the pause (at most 2 s) plus the step timeout (4 s).
      while (Date.now() - frozenAt < 7_000) {
        assert.ok(!settled, `the deploy ended while frozen:\n${settled?.stdout}\n${settled?.stderr}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const during = seen.filter((s) => s.at > at20);
      assert.ok(
        during.length > 20 && during.every((s) => s.weight === 20),
        `weight stayed 20: ${JSON.stringify(during.map((s) => s.weight))}`,
      );
      const heldFor = Date.now() - at20;

      ok(await slipway('ada', ['unfreeze', '--all', '--reason', 'INC-7 resolved']), 'unfreeze --all');
      assert.equal(await marker(DEV), undefined);
      assert.equal(await marker(PROD), undefined);
      const done = await deploying;
      ok(done, 'the canary release');
      const took = Date.now() - deployStart;
      assert.match(done.stderr, /held: dev is frozen \(#\d+ by ada: INC-7 payments down\)/);
      assert.match(done.stderr, /unfrozen after \d+\.\ds/);
      const weights = [...new Set(seen.map((s) => s.weight))];
      assert.ok(weights.includes(60), `went on to 60: ${weights.join(' → ')}`);
      assert.equal(await weight(), 0, 'stable takes 100 %');
      const platform = await loadPlatform(dir);
      const latest = await serviceTarget(dev, {
        platform,
        service: 'cart',
        environment: 'dev',
      }).history.latest('cart');
      assert.equal(latest?.status, 'deployed');
      assert.deepEqual(latest?.version, { tag: 'v2' });
      process.stderr.write(
        `# emergency stop: held ${(heldFor / 1000).toFixed(1)}s at weight 20 (pause 2s, stepTimeout 4s); release took ${(took / 1000).toFixed(1)}s (timeout 16s)\n`,
      );
    } finally {
      clearInterval(watch);
      // On a failure above, let the held release go rather than wait for the child's timeout.
      if (!settled) for (const ns of [DEV, PROD]) await dev.delete('v1', 'ConfigMap', FREEZE_MARKER, ns);
      await deploying;
    }
    // One audited freeze and unfreeze per environment, marked as part of --all.
    const entries = (await audit())
      .filter(
        (e) => (e.action === 'freeze' || e.action === 'unfreeze') && e.detail['outcome'] === 'succeeded',
      )
      .map((e) => `${e.action} ${e.environment} ${e.detail['all']} ${e.detail['runningReleasesTold']}`);
    assert.deepEqual(entries, [
      'freeze dev true true',
      'freeze prod true true',
      'unfreeze dev true true',
      'unfreeze prod true true',
    ]);
  });
});
