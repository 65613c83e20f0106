// What the settings page's browser test adds to the gated fixture: a freeze window on prod that opens
// on a day of the calendar but never during the test, and webhooks — one to a loopback receiver
// started here, one to a port nobody listens on (2: not one of the ports fetch refuses to try) — so the page has deliveries of both kinds to show.
import { createServer } from 'node:http';

export interface HookReceiver {
  url: string;
  /** The `event` of each JSON body received, in order. */
  events: string[];
}

/** A webhook receiver on loopback answering 204; unref'd, so it never keeps the test process alive. */
export async function startHookReceiver(): Promise<HookReceiver> {
  const events: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString('utf8');
    });
    req.on('end', () => {
      try {
        events.push(String((JSON.parse(body) as { event?: unknown }).event));
      } catch {
        events.push('(not JSON)');
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  const { port } = server.address() as { port: number };
  // The query stands for a credential in a webhook URL: the page must never show it.
  return { url: `http://127.0.0.1:${port}/hook?key=not-for-the-page`, events };
}

/** The day the test's freeze window opens: six days ahead, at noon UTC for two hours. */
export function freezeDay(now: Date): Date {
  const d = new Date(now.getTime() + 6 * 86_400_000);
  d.setUTCHours(12, 0, 0, 0);
  return d;
}

/** YAML for the prod environment's end (after `roles: *roles`) and the platform's notifications. */
export function settingsYaml(hookUrl: string, now: Date): string {
  const d = freezeDay(now);
  return [
    '    roles: *roles',
    '    freezeWindows:',
    `      - { name: test freeze, cron: "0 12 ${d.getUTCDate()} ${d.getUTCMonth() + 1} *", duration: 2h }`,
    'notifications:',
    `  - { name: test-hook, url: "${hookUrl}" }`,
    '  - { name: nobody-home, url: "http://127.0.0.1:2/down?key=not-for-the-page", events: [freeze.started] }',
    'strategies:',
  ].join('\n');
}
