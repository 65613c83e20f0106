// The dashboard in a real browser (issue 12): Debian's chromium through playwright-core against a real
// `slipway serve` (child process, stopped by PID), the gated fixture's local cluster and a real OpenID
// Provider. Logs in through the provider's forms; watches a canary's weight advance live over SSE
// without reloading (and measures how long a step takes to reach the page); a requester is refused as
// approver and a second user approves with the keyboard only; a canary aborted from the release view
// is back at stable 100 %; the audit page names each actor. axe-core on every page, screenshots at 1280
// and 390 px into docs/images. A second server with 500 services × 4 environments measures the
// overview's first render through the Performance API.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { LocalCluster } from '../../src/localcluster/cluster.ts';
import { startFixturePlatform } from '../operations/support.ts';
import type { ReleaseTestEnv } from '../release/support.ts';
import { LOGIN_CLIENT, startProvider, type TestProvider, type TestUser } from '../server/oidc-provider.ts';
import { cliRunner, type Replica, startReplica, until } from '../server/serve-support.ts';
import { oneTimeLinkInBrowser } from './demo-support.ts';
import { freezeDay, type HookReceiver, settingsYaml, startHookReceiver } from './settings-support.ts';
import { checkAccessibility, freePort, launchBrowser, logIn, shoot } from './support.ts';

// Run inside the page by playwright (this project's TypeScript has no DOM library).
// biome-ignore lint/suspicious/noExplicitAny: the page's globals
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: the page's globals
declare const window: any;
// biome-ignore lint/suspicious/noExplicitAny: the page's globals
declare const MutationObserver: any;

const USERS: Record<string, TestUser> = {
  dana: { sub: 'u-1001', email: 'dana@example.test', groups: ['developers', 'release-managers'] },
  april: { sub: 'u-1002', email: 'april@example.test', groups: ['release-managers'] },
  ada: { sub: 'u-1003', email: 'ada@example.test', groups: ['platform'] },
  vic: { sub: 'u-1004', email: 'vic@example.test', groups: [] },
};

const oidcSection = (issuer: string, port: number) =>
  `server:\n  oidc:\n    issuer: ${issuer}\n    clientId: ${LOGIN_CLIENT.id}\n    clientSecretEnv: TEST_OIDC_SECRET\n    audience: https://slipway.test/api\n    redirectUrl: http://127.0.0.1:${port}/auth/callback\n`;

const withEmails = (yaml: string) =>
  yaml.replace(
    /^ {2}(dana|april|ada|vic): \{ ?(groups: \[[\w-]+\])? ?\}$/gm,
    (_m, who: string, g?: string) => `  ${who}: { email: ${USERS[who]!.email}${g ? `, ${g}` : ''} }`,
  );

/** 500 services × 4 environments, all viewable, none deployed: the overview's size test. */
function bigPlatform(): string {
  const services = Array.from(
    { length: 500 },
    (_, i) => `  svc-${String(i).padStart(3, '0')}: { image: example.test/big/svc, strategy: rolling }`,
  );
  const envs = ['dev', 'test', 'stage', 'prod'].map(
    (e, i) =>
      `  - name: ${e}\n    policy: relaxed\n    roles: { viewer: ['*'] }${i > 0 ? `\n    promotion: { from: ${['dev', 'test', 'stage'][i - 1]}, soak: 1h }` : ''}`,
  );
  return `apiVersion: slipway.dev/v1\nkind: Platform\nname: big\npeople:\n  dana: { email: dana@example.test }\nservices:\n${services.join('\n')}\nenvironments:\n${envs.join('\n')}\nstrategies:\n  rolling: { type: rolling }\n`;
}

describe('dashboard in chromium (real server, cluster and identity provider)', { timeout: 900_000 }, () => {
  let dir: string | undefined;
  let bigDir: string | undefined;
  let cluster: LocalCluster | undefined;
  const providers: TestProvider[] = [];
  let browser: Browser | undefined;
  let server: Replica;
  let big: Replica;
  let issuer: string;
  let bigIssuer: string;
  const runners: Array<ReturnType<typeof cliRunner>> = [];
  const contexts: Record<string, BrowserContext> = {};
  const pages: Record<string, Page> = {};
  const figures: Record<string, number> = {};
  let hooks: HookReceiver;

  const api = async (who: string, method: string, path: string, body?: unknown) => {
    const token = await providers[0]!.accessToken(who);
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  before(async () => {
    const port = await freePort();
    hooks = await startHookReceiver();
    const provider = await startProvider(USERS, `http://127.0.0.1:${port}/auth/callback`);
    providers.push(provider);
    issuer = provider.issuer;
    ({ dir, cluster } = await startFixturePlatform('gated', {
      editPlatform: (yaml) =>
        withEmails(yaml)
          .replace(
            '      - setWeight: 50\n      - pause: {}',
            '      - setWeight: 20\n      - pause: { duration: 3s }\n      - setWeight: 60\n      - pause: {}\n      - analysis: { templates: [dash-success] }\n      - pause: {}\nanalysis:\n  dash-success:\n    args: [service, namespace, metricsUrl]\n    metrics:\n      - { name: success-rate, provider: { builtin: { metric: success-rate } }, interval: 1s, count: 4, successCondition: "result >= 0.95", inconclusiveLimit: 3, noData: inconclusive }',
          )
          .replace('    roles: *roles\nstrategies:', settingsYaml(hooks.url, new Date())) +
        oidcSection(issuer, port),
    }));
    const env = { TEST_OIDC_SECRET: LOGIN_CLIENT.secret };
    const runner = cliRunner(() => ({ dir }) as ReleaseTestEnv, env);
    runners.push(runner);
    server = await startReplica(runner, ['--port', String(port)]);

    // The big platform shares the local cluster (its own namespaces) and has its own provider client.
    const bigPort = await freePort();
    const bigProvider = await startProvider(USERS, `http://127.0.0.1:${bigPort}/auth/callback`);
    providers.push(bigProvider);
    bigIssuer = bigProvider.issuer;
    bigDir = mkdtempSync(join(tmpdir(), 'slipway-big-'));
    writeFileSync(join(bigDir, 'slipway.yaml'), bigPlatform() + oidcSection(bigIssuer, bigPort));
    writeFileSync(join(bigDir, 'values.yaml'), readFileSync(join(dir, 'values.yaml')));
    mkdirSync(join(bigDir, '.slipway'));
    symlinkSync(join(dir, '.slipway', 'cluster'), join(bigDir, '.slipway', 'cluster'));
    const bigRunner = cliRunner(() => ({ dir: bigDir }) as ReleaseTestEnv, env);
    runners.push(bigRunner);
    big = await startReplica(bigRunner, ['--port', String(bigPort)]);

    browser = await launchBrowser();
    for (const who of ['dana', 'april']) {
      contexts[who] = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      pages[who] = await contexts[who]!.newPage();
      pages[who]!.setDefaultTimeout(15_000);
    }
  });

  after(async () => {
    await browser?.close();
    for (const r of runners) r.killAll();
    await cluster?.stop();
    for (const p of providers) await p.close();
    for (const d of [dir, bigDir]) if (d) rmSync(d, { recursive: true, force: true });
    if (Object.keys(figures).length)
      process.stdout.write(`# dashboard figures: ${JSON.stringify(figures)}\n`);
  });

  test('no open page: a browser without a session is sent to the identity provider; login lands on the overview', async () => {
    const res = await fetch(`${server.url}/`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/auth/login');
    const csrfless = await fetch(`${server.url}/releases/dev/can/abort`, {
      method: 'POST',
      redirect: 'manual',
    });
    assert.notEqual(csrfless.status, 303, 'no action without a session');
    await logIn(pages['dana']!, server.url, issuer, USERS['dana']!.sub);
    await logIn(pages['april']!, server.url, issuer, USERS['april']!.sub);
    const page = pages['dana']!;
    await page.getByText('Signed in as').waitFor();
    assert.match((await page.locator('header .who').textContent()) ?? '', /dana@example\.test/);
    await page.locator('#overview').waitFor();
  });

  test('a canary started through the API advances live on the release view, and aborting it from there brings stable back to 100 %', async () => {
    const page = pages['dana']!;
    const web = await api('dana', 'POST', '/environments/dev/services/web/deploy', {});
    assert.equal(web.status, 202, JSON.stringify(web.body));
    // The first release of a canary service installs it; the second is the canary.
    const first = await api('dana', 'POST', '/environments/dev/services/can/deploy', { imageTag: 'v1' });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    await until('can v1 deployed', async () => {
      const h = await api('dana', 'GET', '/environments/dev/services/can/history');
      return (h.body as unknown as Array<{ status: string }>)[0]?.status === 'deployed' || undefined;
    });
    await page.goto(`${server.url}/releases/dev/can`);
    // Record when the page's weight changes, by the page's own clock (same machine as the server's).
    await page.evaluate(() => {
      const w = window as unknown as { weights: Array<{ w: string; t: number }> };
      w.weights = [];
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid=weight]')?.textContent ?? '';
        if (w.weights.at(-1)?.w !== text)
          w.weights.push({ w: text, t: performance.timeOrigin + performance.now() });
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const navigations = await page.evaluate(() => performance.getEntriesByType('navigation' as never).length);
    const deploy = await api('dana', 'POST', '/environments/dev/services/can/deploy', { imageTag: 'v2' });
    assert.equal(deploy.status, 202, JSON.stringify(deploy.body));
    await page.getByTestId('weight').filter({ hasText: /^20$/ }).waitFor({ timeout: 30_000 });
    await page.getByTestId('weight').filter({ hasText: /^60$/ }).waitFor({ timeout: 30_000 });
    assert.equal(
      await page.evaluate(() => performance.getEntriesByType('navigation' as never).length),
      navigations,
      'no reload',
    );
    // How long the step took to reach the page: the record's step start → the DOM change.
    const history = await api('dana', 'GET', '/environments/dev/services/can/history');
    const record = (
      history.body as unknown as Array<{ steps: Array<{ name: string; startedAt: string }> }>
    )[0]!;
    const seen = await page.evaluate(
      () => (window as unknown as { weights: Array<{ w: string; t: number }> }).weights,
    );
    for (const weight of ['20', '60']) {
      const step = record.steps.find((s) => s.name.includes(`setWeight ${weight}`))!;
      const shown = seen.find((s) => s.w === weight)!;
      figures[`sseStepToPageMs_${weight}`] = Math.round(shown.t - Date.parse(step.startedAt));
    }
    // The 250 ms target is reported (figures), not asserted: a timed assertion fails on a loaded machine.
    // Live means well under a poll or reload cycle.
    for (const v of Object.values(figures)) assert.ok(v < 2000, `SSE update reached the page in ${v} ms`);
    await page.getByRole('heading', { name: 'Pods' }).waitFor();
    await shoot(page, 'release');

    // Abort from the page: the canary goes to weight 0, stable carries everything again.
    await page.getByRole('button', { name: 'Abort' }).click();
    await page.getByText('abort: done').waitFor();
    await page.getByText('stable 100 %').waitFor({ timeout: 30_000 });
    await page
      .getByTestId('status')
      .filter({ hasText: /aborted|rolled-back|failed/ })
      .waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole('button', { name: 'Abort' }).isDisabled(), true);
  });

  test('the requester is refused, said in words; a second user approves with the keyboard only', async () => {
    await until('web deployed in dev', async () => {
      const h = await api('dana', 'GET', '/environments/dev/services/web/history');
      return (h.body as unknown as Array<{ status: string }>)[0]?.status === 'deployed' || undefined;
    });
    const req = await api('dana', 'POST', '/promotions', {
      service: 'web',
      from: 'dev',
      to: 'prod',
      reason: 'ship it',
    });
    assert.equal(req.status, 201, JSON.stringify(req.body));
    const id = req.body['id'] as number;
    const dana = pages['dana']!;
    await dana.goto(`${server.url}/approvals`);
    await dana.getByText('You requested this promotion, so you cannot approve it').waitFor();
    await shoot(dana, 'approvals');
    await dana.getByRole('button', { name: `Approve #${id}` }).click();
    await dana.getByText(`requested promotion #${id} and may not approve it too`).waitFor();

    const april = pages['april']!;
    await april.goto(`${server.url}/approvals`);
    assert.equal(await april.getByText('You requested this promotion').count(), 0);
    // Keyboard only: tab to the comment field of the promotion, type, Enter submits its form.
    const comment = april.locator(`#promotion-${id}-comment`);
    for (let i = 0; i < 40 && !(await comment.evaluate((el) => el === document.activeElement)); i++)
      await april.keyboard.press('Tab');
    assert.ok(
      await comment.evaluate((el) => el === document.activeElement),
      'the comment field is reachable by Tab',
    );
    await april.keyboard.type('looks good');
    await april.keyboard.press('Tab');
    assert.ok(
      await april
        .getByRole('button', { name: `Approve #${id}` })
        .evaluate((el) => el === document.activeElement),
      'Approve is the next stop',
    );
    await april.keyboard.press('Enter');
    await april.getByText(`approved #${id}: the promotion runs`).waitFor();
  });

  test('the audit page lists each action with the right user, verifies the chain and exports JSON lines', async () => {
    const page = pages['april']!;
    await page.goto(`${server.url}/audit`);
    await page.getByTestId('verification').filter({ hasText: 'Hash chain verified' }).waitFor();
    const rows = await page
      .locator('#audit tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    const has = (actor: string, action: string, env: string) =>
      rows.some((r) => r[2] === actor && r[3] === action && r[4] === env);
    assert.ok(has('dana', 'deploy', 'dev'), 'dana deployed');
    assert.ok(
      has('dana', 'abort', 'dev') || rows.some((r) => r[2] === 'dana' && /abort/.test(r.join(' '))),
      'dana aborted',
    );
    assert.ok(has('dana', 'promote', 'prod'), 'dana requested the promotion');
    assert.ok(has('dana', 'permission-denied', 'prod'), 'dana was refused as approver');
    assert.ok(has('april', 'approve', 'prod'), 'april approved');
    await shoot(page, 'audit');
    await page.goto(`${server.url}/audit?who=april`);
    const aprilRows = await page.locator('#audit tbody tr td:nth-child(3)').allTextContents();
    assert.ok(aprilRows.length > 0 && aprilRows.every((a) => a === 'april'), 'the who filter');
    const jsonl = await page.evaluate(async () => (await fetch('/audit.jsonl?who=april')).text());
    const lines = jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { actor: string; hash: string });
    assert.ok(lines.length > 0 && lines.every((l) => l.actor === 'april' && l.hash));
  });

  test('the overview and the settings are usable at both widths', async () => {
    const page = pages['dana']!;
    await page.goto(`${server.url}/`);
    await page.locator('#overview tbody tr[data-service="can"]').waitFor();
    await until(
      'overview synced',
      async () => {
        await page.reload();
        return (await page.getByText('loading…').count()) === 0 || undefined;
      },
      20_000,
    );
    await shoot(page, 'overview');
    await page.goto(`${server.url}/settings`);
    await page.getByRole('heading', { name: '2. prod' }).waitFor();
    assert.match(
      (await page.locator('main').textContent()) ?? '',
      /Promoted from dev; 1 approval\(s\), never the requester/,
    );
    assert.match((await page.locator('main').textContent()) ?? '', /approver: release-managers/);
  });

  // [tests: release view]
  test('the release view shows each analysis measurement against its condition with the verdicts, and the traffic share of both tracks', async () => {
    const page = pages['dana']!;
    // Requests through the local cluster's service proxy, all the while: both tracks answer some.
    const address = () =>
      cluster!
        .status()
        .services.find((s) => s.service === 'gated-dev/can')
        ?.ports.find((p) => p.protocol === 'http')?.url;
    let sending = true;
    let aborted = false;
    const answered = { ok: 0, failed: 0 };
    const load = (async () => {
      while (sending) {
        const url = address();
        await fetch(`${url}/api/info`, { signal: AbortSignal.timeout(2000) })
          .then(async (r) => {
            await r.text();
            answered[r.ok ? 'ok' : 'failed']++;
          })
          .catch(() => answered.failed++);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    try {
      const deploy = await api('dana', 'POST', '/environments/dev/services/can/deploy', { imageTag: 'v3' });
      assert.equal(deploy.status, 202, JSON.stringify(deploy.body));
      await page.goto(`${server.url}/releases/dev/can`);
      await page.getByTestId('weight').filter({ hasText: /^60$/ }).waitFor({ timeout: 30_000 });
      // The canary waits for a person at 60 %: promoted from the page, its analysis starts.
      await page.getByRole('button', { name: 'Promote', exact: true }).click();
      await page.getByText('promote: done').waitFor();
      const run = page.getByTestId('analysis-run').filter({ hasText: 'analysis dash-success' });
      const metric = run.getByTestId('metric').filter({ hasText: 'success-rate' });
      await metric.getByText('result >= 0.95').waitFor();
      // Live: the measurements arrive over the SSE stream, without a reload.
      await metric.getByTestId('value').first().waitFor({ timeout: 20_000 });
      await run.getByTestId('run-phase').filter({ hasText: 'Successful' }).waitFor({ timeout: 20_000 });
      const values = await metric.getByTestId('value').allTextContents();
      // A second without canary requests is `no data` (inconclusive, tolerated); every number passes.
      const numbers = values.filter((v) => v !== 'no data').map(Number);
      assert.ok(values.length >= 4 && numbers.length > 0, `measurements: ${values.join(', ')}`);
      for (const v of numbers) assert.ok(v >= 0.95, `each measured value passes: ${v}`);
      assert.equal(await metric.locator('tbody tr', { hasText: 'passed' }).count(), numbers.length);
      await metric.getByTestId('metric-phase').filter({ hasText: 'Successful' }).waitFor();
      // The share each track answered in the window, both seen, next to the configured weight.
      const share = async (track: string) =>
        Number(/([\d.]+) %/.exec((await page.getByTestId(`share-${track}`).textContent()) ?? '')?.[1]);
      await page.getByTestId('share-canary').waitFor();
      const [canary, stable] = [await share('canary'), await share('stable')];
      figures['trafficShareCanaryPercent'] = canary;
      assert.ok(canary > 0 && stable > 0, `both tracks answered: canary ${canary} %, stable ${stable} %`);
      assert.ok(Math.abs(canary + stable - 100) < 0.5, `${canary} + ${stable}`);
      assert.match((await page.getByTestId('traffic').textContent()) ?? '', /configured canary weight 60 %/);
      // And over time, as the weight chart's second series.
      await page.getByTestId('share-series').waitFor({ state: 'attached' });
      await shoot(page, 'release-analysis');
      // Aborted again, so that can runs v1 in dev for the tests after this one.
      await page.getByRole('button', { name: 'Abort' }).click();
      await page.getByText('abort: done').waitFor();
      await page
        .getByTestId('status')
        .filter({ hasText: /aborted|rolled-back|failed/ })
        .waitFor({ timeout: 30_000 });
      aborted = true;
    } finally {
      sending = false;
      await load;
      // Even when an assertion failed: the tests after this one expect no canary of can running.
      if (!aborted) await api('dana', 'POST', '/environments/dev/services/can/abort', {}).catch(() => {});
    }
    assert.ok(answered.ok > 0, `requests answered: ${JSON.stringify(answered)}`);
  });
  // [tests: pipeline]
  test('pipeline: versions per stage, why a service may not move on, a promote button that opens the approval flow', async () => {
    const page = pages['dana']!;
    const card = (env: string, service: string) =>
      page.locator(`[data-stage="${env}"] article[data-service="${service}"]`);
    // web's promotion to prod (approved by april above) runs in the background: wait for it to land.
    await until(
      'web in prod on the pipeline',
      async () => {
        await page.goto(`${server.url}/pipeline`);
        const landed = (await card('prod', 'web').getByTestId('version').count()) > 0;
        const state = await card('dev', 'web').locator('.move').getAttribute('data-state');
        return (landed && state === 'current') || undefined;
      },
      60_000,
    );
    const devWeb = (await card('dev', 'web').getByTestId('version').textContent()) ?? '';
    const prodWeb = (await card('prod', 'web').getByTestId('version').textContent()) ?? '';
    assert.match(devWeb, /\S/);
    assert.equal(prodWeb.split('@')[0], devWeb.split('@')[0], 'prod runs what was promoted from dev');
    assert.match((await card('prod', 'web').textContent()) ?? '', /running for \d/);
    assert.match((await card('dev', 'web').locator('.move').textContent()) ?? '', /up to date/);
    assert.match((await page.locator('[data-stage="prod"] > p').first().textContent()) ?? '', /last stage/);

    // can runs v1 in dev (its v2 canary was aborted): it may go to prod, but not without an approval.
    const canMove = card('dev', 'can').locator('.move[data-to="prod"]');
    assert.equal(await canMove.getAttribute('data-state'), 'eligible');
    assert.match((await card('dev', 'can').getByTestId('version').textContent()) ?? '', /^v1/);
    assert.match(
      (await canMove.textContent()) ?? '',
      /needs 1 approval in prod \(never the requester\) — may approve: .*april/,
    );

    // Someone without the deploy role sees the button disabled, with the rules' reason.
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const vic = await context.newPage();
      vic.setDefaultTimeout(15_000);
      await logIn(vic, server.url, issuer, USERS['vic']!.sub);
      await vic.goto(`${server.url}/pipeline?q=can`);
      assert.equal(await vic.locator('article[data-service="web"]').count(), 0, 'filtered by service');
      const move = vic.locator('[data-stage="dev"] article[data-service="can"] .move');
      assert.equal(await move.getByRole('button', { name: 'Promote to prod' }).isDisabled(), true);
      assert.match(
        (await move.textContent()) ?? '',
        /may not deploy to prod \(who may: deployer: developers/,
      );
    } finally {
      await context.close();
    }

    await shoot(page, 'pipeline');
    await canMove.getByLabel('Reason (optional)').fill('can v1 is ready');
    await canMove.getByRole('button', { name: 'Promote to prod' }).click();
    await page.waitForURL(/\/approvals\?/);
    const flash = (await page.locator('.flash').textContent()) ?? '';
    const id = Number(
      /requested promotion #(\d+) of can from dev to prod: it needs 1 approval/.exec(flash)?.[1],
    );
    assert.ok(id > 0, flash);
    await page.locator(`#promotion-${id}`).getByText('can v1 is ready').waitFor();

    await page.goto(`${server.url}/pipeline`);
    assert.equal(await canMove.getAttribute('data-state'), 'pending');
    await canMove.getByRole('link', { name: `#${id} requested` }).waitFor();
    assert.equal(await canMove.getByRole('button', { name: 'Promote to prod' }).isDisabled(), true);
    await checkAccessibility(page, 'the pipeline with a request open');
    // Withdrawn, so the tests after this one find no open request of can.
    const withdrawn = await api('dana', 'POST', `/promotions/${id}/reject`, { reason: 'pipeline test done' });
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
  });
  // [tests: service]
  test('the service page: history with who and why, the diff of two revisions, a rollback from the page', async () => {
    const page = pages['dana']!;
    await page.goto(`${server.url}/services/can?env=dev`);
    const rows = page.locator('#history tbody tr');
    await rows.first().waitFor();
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].map((td) => (td.textContent ?? '').trim())),
    );
    assert.ok(cells.length >= 2, `at least two revisions: ${JSON.stringify(cells)}`);
    assert.ok(
      cells.every((r) => r[3] === 'dana'),
      `dana released each revision: ${JSON.stringify(cells)}`,
    );
    const revisionOf = (tag: string) => cells.find((r) => r[1]!.startsWith(tag))?.[0]?.replace(/^r/, '');
    const v1 = revisionOf('v1');
    const v2 = revisionOf('v2');
    assert.ok(v1 && v2, `revisions of v1 and v2: ${JSON.stringify(cells)}`);
    await shoot(page, 'service');

    await page.getByLabel('From revision').selectOption(v1);
    await page.getByLabel('To revision').selectOption(v2);
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(/\/services\/can\/diff\?/);
    await page
      .locator('pre.diff .del', { hasText: /image: \S+:v1\b/ })
      .first()
      .waitFor();
    await page
      .locator('pre.diff .add', { hasText: /image: \S+:v2\b/ })
      .first()
      .waitFor();
    await shoot(page, 'service-diff');

    await page.goto(`${server.url}/services/can?env=dev`);
    const newest = Number(await rows.first().getAttribute('data-revision'));
    await page.locator(`#rollback-${v1}-reason`).fill('back to v1 from the dashboard');
    await page.getByRole('button', { name: `Roll back to r${v1}` }).click();
    await page.getByText(`rolling can in dev back to r${v1}`).waitFor();
    const top = await until(
      'the rollback in the history',
      async () => {
        await page.reload();
        const first = rows.first();
        if (Number(await first.getAttribute('data-revision')) <= newest) return undefined;
        return await first.evaluate((tr) =>
          [...tr.querySelectorAll('th, td')].map((td) => (td.textContent ?? '').trim()),
        );
      },
      30_000,
    );
    assert.equal(top[3], 'dana');
    assert.match(top[1]!, /^v1/);
    assert.match(top[4]!, /back to v1 from the dashboard/);

    // Someone without the deploy role reads why the rollback is not theirs to do.
    const april = pages['april']!;
    await april.goto(`${server.url}/services/can?env=dev`);
    assert.equal(await april.getByRole('button', { name: `Roll back to r${v1}` }).isDisabled(), true);
    await april.getByText('april may not deploy to dev').first().waitFor();
  });
  // [tests: settings]
  test('settings: freeze windows on a calendar, webhooks with their deliveries, an API token created, used and revoked', async () => {
    // A declared freeze of dev, lifted at once: freeze.started and freeze.ended for the webhooks.
    const frozen = await api('ada', 'POST', '/environments/dev/freezes', {
      reason: 'settings test',
      for: '10m',
    });
    assert.equal(frozen.status, 201, JSON.stringify(frozen.body));
    const lifted = await api('ada', 'POST', '/environments/dev/unfreeze', { reason: 'settings test done' });
    assert.equal(lifted.status, 200, JSON.stringify(lifted.body));
    await until(
      'the webhook got freeze.ended',
      async () => hooks.events.includes('freeze.ended') || undefined,
      20_000,
    );

    const dana = pages['dana']!;
    await dana.goto(`${server.url}/settings`);
    const row = dana.locator('#freeze-calendar tbody tr', { hasText: 'test freeze' });
    assert.equal(await row.count(), 1, 'one day of the calendar has the window');
    const date = (await row.getAttribute('data-date')) ?? '';
    const ahead = [freezeDay(new Date(Date.now() - 86_400_000)), freezeDay(new Date())];
    assert.ok(
      ahead.some((d) => d.toISOString().startsWith(date)),
      `the window's day: ${date}`,
    );
    const [devCell, prodCell] = await row.locator('td').allTextContents();
    assert.equal(devCell?.trim(), 'open');
    assert.match(prodCell ?? '', /frozen 12:00–14:00 test freeze \(window\)/);
    assert.equal(await dana.locator('#freeze-calendar tbody tr').count(), 14);

    const hook = dana.locator('table[data-target="test-hook"]');
    await until(
      'the deliveries on the page',
      async () => {
        await dana.reload();
        return (await hook.locator('tr', { hasText: 'freeze.ended' }).count()) > 0 || undefined;
      },
      20_000,
    );
    assert.match(
      (await hook.locator('tr', { hasText: 'freeze.ended' }).first().textContent()) ?? '',
      /delivered/,
    );
    const down = dana.locator('table[data-target="nobody-home"]');
    assert.match((await down.textContent()) ?? '', /freeze\.started.*failed.*127\.0\.0\.1:2: ECONNREFUSED/s);
    assert.ok(!(await dana.content()).includes('not-for-the-page'), 'no URL path or query of a webhook');
    const create = dana.getByRole('button', { name: 'Create token' });
    assert.equal(await create.isDisabled(), true);
    await dana
      .getByText('Creating a token needs admin of each of its environments, and you are admin of none')
      .waitFor();

    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const ada = await context.newPage();
      ada.setDefaultTimeout(15_000);
      await logIn(ada, server.url, issuer, USERS['ada']!.sub);
      await ada.goto(`${server.url}/settings#tokens`);
      await ada.getByRole('button', { name: 'Create token' }).click();
      await ada.getByText('choose at least one environment for the token').waitFor();
      await ada.locator('#token-expires').fill('0d');
      await ada.getByRole('checkbox', { name: 'dev', exact: true }).check();
      await ada.getByRole('button', { name: 'Create token' }).click();
      await ada.getByText('--expires 0d must be longer than 0').waitFor();
      await ada.locator('#token-name').fill('ci-settings');
      await ada.getByRole('checkbox', { name: 'dev', exact: true }).check();
      await ada.locator('#token-role').selectOption('viewer');
      await ada.locator('#token-expires').fill('1d');
      await ada.getByRole('button', { name: 'Create token' }).click();
      const secret = await ada.getByTestId('token-secret').inputValue();
      assert.match(secret, /^slw_[\w-]{43}$/);
      const call = async (path: string) =>
        (await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${secret}` } }))
          .status;
      assert.equal(await call('/environments/dev/services/web/history'), 200);
      assert.equal(await call('/environments/prod/services/web/history'), 403, 'scoped to dev');

      await ada.goto(`${server.url}/settings`);
      assert.ok(!(await ada.content()).includes(secret), 'the secret is shown once');
      const id = ((await ada.locator('tr[data-token="ci-settings"] td').first().textContent()) ?? '').replace(
        '#',
        '',
      );
      await dana.reload();
      const theirs = dana.getByRole('button', { name: `Revoke #${id}` });
      assert.equal(await theirs.isDisabled(), true, 'dana neither created it nor is admin');
      await dana.getByText('Only its creator (ada) or an admin of dev may revoke it').waitFor();

      await ada.getByRole('button', { name: `Revoke #${id}` }).click();
      await ada.getByText(`token #${id} ci-settings revoked`).waitFor();
      assert.equal(await call('/environments/dev/services/web/history'), 401, 'revoked');
      const audit = await api('ada', 'GET', '/audit?env=dev');
      const actions = JSON.stringify(audit.body);
      assert.ok(/token-create/.test(actions) && /token-revoke/.test(actions), 'audited');

      await ada.goto(`${server.url}/settings#freeze-calendar-h`);
      await shoot(ada, 'settings');
    } finally {
      await context.close();
    }
  });
  // [tests: demo]
  test('a one-time link as slipway demo prints it logs a fresh browser in once, then says to run the demo again', async () => {
    await oneTimeLinkInBrowser(browser!, dir!, 'dana');
  });

  test('500 services × 4 environments: the overview renders in under a second in the browser', async () => {
    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await ctx.newPage();
      await logIn(page, big.url, bigIssuer, USERS['dana']!.sub);
      await until(
        'the big overview synced',
        async () => {
          await page.goto(`${big.url}/`);
          return (await page.getByText('loading…').count()) === 0 || undefined;
        },
        30_000,
      );
      await page.goto(`${big.url}/`);
      const nav = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation' as never)[0] as unknown as {
          responseEnd: number;
          domContentLoadedEventEnd: number;
          loadEventEnd: number;
          transferSize: number;
        };
        const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime;
        return {
          response: n.responseEnd,
          dcl: n.domContentLoadedEventEnd,
          load: n.loadEventEnd,
          fcp,
          bytes: n.transferSize,
        };
      });
      assert.equal(await page.locator('#overview tbody tr[data-service]').count(), 500);
      figures['overview500x4_responseEndMs'] = Math.round(nav.response);
      figures['overview500x4_firstContentfulPaintMs'] = Math.round(nav.fcp ?? -1);
      figures['overview500x4_domContentLoadedMs'] = Math.round(nav.dcl);
      figures['overview500x4_loadMs'] = Math.round(nav.load);
      figures['overview500x4_bytes'] = nav.bytes;
      // The 1 s target is reported in the figures; asserted with room for a loaded machine.
      assert.ok(nav.load < 3000, `first render in ${nav.load} ms`);
    } finally {
      await ctx.close();
    }
  });
});
