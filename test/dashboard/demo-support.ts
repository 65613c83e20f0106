// The browser check of `slipway demo`'s one-time login link: the control plane started the way the
// demo starts it (startControlPlane with a OneTimeLogin, in the test's process, on the fixture's
// platform and running cluster), the printed link opened in a fresh browser context with no session.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startControlPlane } from '../../src/cli/commands/serve.ts';
import { loadPlatform } from '../../src/config/load.ts';
import { OneTimeLogin } from '../../src/server/one-time-login.ts';
import { LOGIN_CLIENT } from '../server/oidc-provider.ts';
import { shoot } from './support.ts';

/**
 * Opens a one-time link for `user`: it lands on the overview as that user; opened again it answers
 * 403 with the page saying to run the demo again (screenshots `one-time-used`, axe at both widths).
 */
export async function oneTimeLinkInBrowser(browser: Browser, dir: string, user: string): Promise<void> {
  // The fixture's slipway.yaml names its OIDC client's secret by this variable, as the server's does.
  process.env.TEST_OIDC_SECRET ??= LOGIN_CLIENT.secret;
  const links = new OneTimeLogin({ name: user, source: 'SLIPWAY_USER' });
  const cp = await startControlPlane(await loadPlatform(dir), {
    host: '127.0.0.1',
    port: 0,
    version: 'test',
    log: () => {},
    oneTimeLogin: links,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const link = `${cp.server.url}${links.issue()}`;
    const first = await page.goto(link);
    assert.equal(first?.status(), 200);
    assert.equal(page.url(), `${cp.server.url}/`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    assert.match(await page.locator('header').innerText(), new RegExp(user));
    const again = await page.goto(link);
    assert.equal(again?.status(), 403);
    assert.match(await page.locator('main').innerText(), /already used[\s\S]*Run slipway demo again/);
    await shoot(page, 'one-time-used');
  } finally {
    await context.close();
    await cp.close();
  }
}
