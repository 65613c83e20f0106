// Where the CLI keeps the tokens `slipway login` obtained: one JSON file, keyed by server URL, under
// $XDG_CONFIG_HOME/slipway (else ~/.config/slipway), readable by its owner only (0600 in a 0700
// directory), as gh keeps hosts.yml and kubelogin its token cache. SLIPWAY_TOKEN, for CI, wins over it.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SlipwayError, usageError } from '../../shared/errors.ts';

export interface StoredCredential {
  token: string;
  /** `oidc` from the login flow, `api` for an API token given with --with-token. */
  kind: 'oidc' | 'api';
  /** Who the server said the token stands for. */
  user?: string;
  /** ISO time after which the server will refuse the token (OIDC tokens expire). */
  expiresAt?: string;
  savedAt: string;
}

interface CredentialsFile {
  servers: Record<string, StoredCredential>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The server URL as credentials are keyed: origin plus path, no trailing slash. Plain http only to a
 * server on this machine: a bearer token must not cross the network in clear text.
 */
export function normalizeServerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`--server ${text} is not a URL`, { hint: 'e.g. --server https://slipway.example.com' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw usageError(`--server ${text} must be an http(s) URL`);
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname))
    throw usageError(`--server ${text} must be https (http only on loopback)`, {
      hint: 'The token would cross the network in clear text.',
    });
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(base, 'slipway', 'credentials.json');
}

function read(path: string): CredentialsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw new SlipwayError('usage', `cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<CredentialsFile>;
    return { servers: parsed.servers && typeof parsed.servers === 'object' ? parsed.servers : {} };
  } catch {
    throw usageError(`${path} is not valid JSON`, { hint: 'Delete it and run `slipway login` again.' });
  }
}

/** Written to a temporary file with mode 0600 first, then renamed: never readable by others. */
function write(path: string, file: CredentialsFile): void {
  const dir = join(path, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function loadCredential(server: string, env = process.env): StoredCredential | undefined {
  return read(credentialsPath(env)).servers[server];
}

export function saveCredential(server: string, c: StoredCredential, env = process.env): string {
  const path = credentialsPath(env);
  const file = read(path);
  file.servers[server] = c;
  write(path, file);
  return path;
}

/** Answers whether there was one to remove. */
export function removeCredential(server: string, env = process.env): boolean {
  const path = credentialsPath(env);
  const file = read(path);
  if (!(server in file.servers)) return false;
  delete file.servers[server];
  if (Object.keys(file.servers).length === 0) rmSync(path, { force: true });
  else write(path, file);
  return true;
}

/** The token to send: SLIPWAY_TOKEN, else the one `slipway login` stored for this server. */
export function tokenFor(server: string, env = process.env): { token: string; from: string } | undefined {
  const fromEnv = env['SLIPWAY_TOKEN']?.trim();
  if (fromEnv) return { token: fromEnv, from: 'SLIPWAY_TOKEN' };
  const stored = loadCredential(server, env);
  return stored ? { token: stored.token, from: credentialsPath(env) } : undefined;
}
