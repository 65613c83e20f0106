// The one-time login link of `slipway demo` (issue 12 item 8), against the control plane started the
// way the demo starts it (startControlPlane with a OneTimeLogin, real HTTP on loopback): the link opens
// a dashboard session once and redirects to `/`; a second visit, an expired link and a made-up one are
// refused with a page saying to run the demo again; without the option (what `slipway serve` builds)
// there is no such route, and `slipway serve` has no flag to add it. No cluster is needed: the pages
// used here read the store only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startControlPlane } from '../../src/cli/commands/serve.ts';
import { type LoadedPlatform, loadPlatform } from '../../src/config/load.ts';
import { ONE_TIME_TTL_MS, OneTimeLogin } from '../../src/server/one-time-login.ts';
import { MAIN } from './serve-support.ts';

const EXAMPLE = resolve(import.meta.dirname, '..', '..', 'examples', 'appointments');

describe('one-time login link of slipway demo', () => {
  let dir: string;
  let platform: LoadedPlatform;
  const stops: Array<() => Promise<void>> = [];
  let clock = Date.now();
  const start = async (links?: OneTimeLogin) => {
    const cp = await startControlPlane(platform, {
      host: '127.0.0.1',
      port: 0,
      version: 'test',
      log: () => {},
      ...(links ? { oneTimeLogin: links } : {}),
    });
    stops.push(cp.close);
    return cp.server.url;
  };
  const get = (url: string, cookie?: string) =>
    fetch(url, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-one-time-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (p) => !p.includes('.slipway') });
    platform = await loadPlatform(dir);
  });
  after(async () => {
    for (const stop of stops) await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the link logs in once as the demo user and redirects to /; the second visit is refused', async () => {
    const links = new OneTimeLogin({ name: 'demo-runner', source: 'SLIPWAY_USER' });
    const url = await start(links);
    const noSession = (await get(`${url}/audit`)).status;
    assert.equal(noSession, 401, 'no open page: without a session the dashboard answers 401');

    const link = `${url}${links.issue()}`;
    const first = await get(link);
    assert.equal(first.status, 302);
    assert.equal(first.headers.get('location'), '/');
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const setCookie = first.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^slipway_session=[\w-]{40,};/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    const cookie = setCookie.split(';')[0]!;
    const page = await get(`${url}/audit`, cookie);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /demo-runner/);

    const again = await get(link);
    assert.equal(again.status, 403);
    assert.equal(again.headers.get('set-cookie'), null);
    const text = await again.text();
    assert.match(text, /already used/);
    assert.match(text, /Run <code>slipway demo<\/code> again/);

    const elsewhere = new OneTimeLogin({ name: 'demo-runner', source: 'os' });
    const foreign = await get(`${url}${elsewhere.issue()}`);
    assert.equal(foreign.status, 403);
    assert.match(await foreign.text(), /not one this server made/);
  });

  test('an expired link is refused (401); one used within the ten minutes works', async () => {
    const links = new OneTimeLogin({ name: 'demo-runner', source: 'git' }, () => clock);
    const url = await start(links);
    const late = links.issue();
    const inTime = links.issue();
    clock += ONE_TIME_TTL_MS - 1000;
    assert.equal((await get(`${url}${inTime}`)).status, 302);
    clock += 2000;
    const expired = await get(`${url}${late}`);
    assert.equal(expired.status, 401);
    assert.equal(expired.headers.get('set-cookie'), null);
    const text = await expired.text();
    assert.match(text, /expired/);
    assert.match(text, /slipway demo<\/code> again/);
    // Spent by that visit: it stays refused.
    assert.equal((await get(`${url}${late}`)).status, 403);
  });

  test('without the demo option (as slipway serve builds it) there is no such route', async () => {
    const url = await start();
    const links = new OneTimeLogin({ name: 'demo-runner', source: 'os' });
    const res = await get(`${url}${links.issue()}`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('set-cookie'), null);
    assert.equal((await get(`${url}/audit`)).status, 401);
    // No flag of `slipway serve` leads to it.
    const help = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--help'], {
      encoding: 'utf8',
    });
    assert.equal(help.status, 0, help.stderr);
    assert.doesNotMatch(help.stdout, /one-time|demo/i);
  });
});
