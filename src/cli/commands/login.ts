// `slipway login --server URL` and `slipway logout --server URL`: a token for the CLI to call a
// server with, stored per server (remote/credentials.ts). Login is OpenID Connect's authorization code
// flow with PKCE and a loopback redirect (RFC 8252), as kubelogin and the gh CLI do it: the CLI
// listens on 127.0.0.1, prints the provider's login URL (and opens a browser unless --no-browser),
// and the server it logs in to exchanges the code with its own client (server/cli-login.ts). CI
// passes an API token with --with-token (read from stdin, as `gh auth login --with-token`) or sets
// SLIPWAY_TOKEN instead.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from '@commander-js/extra-typings';
import { SlipwayError, usageError } from '../../shared/errors.ts';
import { color } from '../output.ts';
import { ApiClient, type ProblemBody, problemError } from '../remote/client.ts';
import { removeCredential, saveCredential } from '../remote/credentials.ts';
import { serverOf } from '../remote/modes.ts';

const LOGIN_TIMEOUT_MS = 5 * 60_000;
const b64url = (b: Buffer) => b.toString('base64url');

async function postAuth<T>(server: string, path: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${server}/auth/cli${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new SlipwayError('unreachable', `cannot reach the slipway server at ${server}`, {
      details: [String((e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message)],
    });
  }
  const parsed = (await res.json().catch(() => ({}))) as unknown;
  if (res.status === 404)
    throw usageError(`${server} offers no OIDC login (its slipway.yaml has no server.oidc)`, {
      hint: 'Use an API token instead: `slipway login --server URL --with-token < token-file`, or set SLIPWAY_TOKEN.',
    });
  if (!res.ok) throw problemError(parsed as ProblemBody, server, res.status);
  return parsed as T;
}

/** Tries the desktop's URL opener; the printed URL works whether or not one opens. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener: the user opens the printed URL
  }
}

/** Waits on the loopback port for the provider's redirect; answers its query string. */
async function loopbackLogin(
  server: string,
  port: number,
  browser: boolean,
): Promise<{ token: string; user: string; expiresAt?: string }> {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(16));
  let answer!: (q: URLSearchParams) => void;
  let fail!: (e: unknown) => void;
  const callback = new Promise<URLSearchParams>((resolve, reject) => {
    answer = resolve;
    fail = reject;
  });
  const listener = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    // Someone else's redirect (another login, a forged link) is not this login's answer.
    if (url.searchParams.get('state') !== state) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('This is not the login slipway started.\n');
      return;
    }
    const error = url.searchParams.get('error');
    res
      .writeHead(error ? 400 : 200, { 'content-type': 'text/plain; charset=utf-8' })
      .end(error ? `Login failed: ${error}\n` : 'Logged in to slipway. You can close this tab.\n');
    answer(url.searchParams);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? usageError(`port ${port} on 127.0.0.1 is in use`, {
              hint: 'Give another with --callback-port (registered at the provider as a redirect URI).',
            })
          : e,
      ),
    );
    listener.listen(port, '127.0.0.1', resolve);
  });
  const timer = setTimeout(
    () => fail(new SlipwayError('timeout', 'no login within 5 minutes; run `slipway login` again')),
    LOGIN_TIMEOUT_MS,
  );
  try {
    const redirectUri = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/callback`;
    const { authorizationUrl } = await postAuth<{ authorizationUrl: string }>(server, '/start', {
      redirectUri,
      codeChallenge: challenge,
      state,
    });
    process.stderr.write(
      `Open this URL in a browser to log in to ${server}:\n\n  ${authorizationUrl}\n\n${color.dim(`waiting for the login on ${redirectUri} (Ctrl-C to give up)`)}\n`,
    );
    if (browser) openBrowser(authorizationUrl);
    const query = await callback;
    const error = query.get('error');
    if (error)
      throw new SlipwayError('unauthenticated', `the provider refused the login: ${error}`, {
        details: [query.get('error_description') ?? ''].filter(Boolean),
      });
    return await postAuth(server, '/token', {
      redirectUri,
      callbackQuery: query.toString(),
      codeVerifier: verifier,
      state,
    });
  } finally {
    clearTimeout(timer);
    listener.closeAllConnections();
    listener.close();
  }
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.trim();
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('log in to a slipway server (--server URL): OIDC in a browser, or --with-token')
    .option('--no-browser', 'only print the login URL; do not open a browser')
    .option(
      '--callback-port <port>',
      'loopback port the provider redirects to (register http://127.0.0.1:<port>/callback; 0: any free port)',
      '8000',
    )
    .option('--with-token', 'read an API token (slw_…) from stdin and store it instead', false)
    .action(async (options, command) => {
      const server = serverOf(command)!;
      if (options.withToken) {
        const token = await readStdin();
        if (!token) throw usageError('--with-token read nothing from stdin');
        await new ApiClient(server, token).get('/runs'); // 401 for a token the server does not know
        const path = saveCredential(server, { token, kind: 'api', savedAt: new Date().toISOString() });
        process.stdout.write(`logged in to ${server} with an API token (stored in ${path})\n`);
        return;
      }
      const port = Number(options.callbackPort);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw usageError(`--callback-port ${options.callbackPort} is not a port number`);
      const got = await loopbackLogin(server, port, options.browser);
      const path = saveCredential(server, {
        token: got.token,
        kind: 'oidc',
        user: got.user,
        ...(got.expiresAt ? { expiresAt: got.expiresAt } : {}),
        savedAt: new Date().toISOString(),
      });
      process.stdout.write(
        `logged in to ${server} as ${got.user}${got.expiresAt ? ` until ${got.expiresAt}` : ''} (token stored in ${path})\n`,
      );
    });

  program
    .command('logout')
    .description('forget the token stored for a slipway server (--server URL)')
    .action((_options, command) => {
      const server = serverOf(command)!;
      process.stdout.write(
        removeCredential(server) ? `logged out of ${server}\n` : `no token stored for ${server}\n`,
      );
    });
}
