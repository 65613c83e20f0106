// The dashboard's browser tests: Debian's chromium driven by playwright-core (no browser download), a
// real `slipway serve` child process (stopped by its PID), the fixture platform's local cluster and a
// real OpenID Provider on loopback. Login goes through the provider's own login and consent forms.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

export const IMAGES = resolve(import.meta.dirname, '..', '..', 'docs', 'images');
export const WIDTHS = { desktop: 1280, phone: 390 } as const;

export async function freePort(): Promise<number> {
  return await new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export async function launchBrowser(): Promise<Browser> {
  return await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Logs `sub` in through the provider's development login and consent forms; ends on the dashboard. */
export async function logIn(page: Page, base: string, issuer: string, sub: string): Promise<void> {
  await page.goto(`${base}/`);
  for (let i = 0; i < 6 && page.url().startsWith(issuer); i++) {
    const before = page.url();
    const login = page.locator('input[name="login"]');
    if (await login.count()) {
      await login.fill(sub);
      await page.locator('input[name="password"]').fill('any');
    }
    await page.locator('button[type="submit"]').first().click();
    await page.waitForURL((u) => u.href !== before);
    await page.waitForLoadState();
  }
  assert.ok(page.url().startsWith(base), `back on the dashboard: ${page.url()}`);
}

/** axe-core on the page: no serious or critical violations (returns what it found, for messages). */
export async function checkAccessibility(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map(
      (v) =>
        `${v.id}: ${v.help} (${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')})`,
    ),
    [],
    `accessibility of ${what}`,
  );
}

/** Screenshots of the page at both widths into docs/images/dashboard-<name>-<width>.png; checks axe at each. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(IMAGES, { recursive: true });
  for (const [label, width] of Object.entries(WIDTHS)) {
    await page.setViewportSize({ width, height: label === 'phone' ? 844 : 800 });
    // Nothing may overflow the viewport sideways but scrollable tables.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 1, `${name} at ${width}px overflows by ${overflow}px`);
    await checkAccessibility(page, `${name} at ${width}px`);
    await page.screenshot({ path: resolve(IMAGES, `dashboard-${name}-${width}.png`), fullPage: false });
  }
  await page.setViewportSize({ width: WIDTHS.desktop, height: 800 });
}
