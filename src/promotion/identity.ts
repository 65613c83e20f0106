// Who is running slipway. The CLI has no login: the name comes from SLIPWAY_USER, else git's
// user.email (or user.name), else the operating-system account. None of these is proof of identity,
// so the result says `authenticated: false` and the CLI must say so; `slipway serve` puts real
// authentication in front of the same operations.
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';

export interface CurrentUser {
  name: string;
  authenticated: false;
  source: 'SLIPWAY_USER' | 'git' | 'os';
}

/** The user from SLIPWAY_USER, else `gitUser` (see gitUser()), else the OS account. */
export function currentUser(env: NodeJS.ProcessEnv, gitUser?: string): CurrentUser {
  const fromEnv = env['SLIPWAY_USER']?.trim();
  if (fromEnv) return { name: fromEnv, authenticated: false, source: 'SLIPWAY_USER' };
  const fromGit = gitUser?.trim();
  if (fromGit) return { name: fromGit, authenticated: false, source: 'git' };
  let os = env['USER'] ?? env['LOGNAME'] ?? env['USERNAME'];
  if (!os) {
    try {
      os = userInfo().username;
    } catch {
      os = 'unknown';
    }
  }
  return { name: os, authenticated: false, source: 'os' };
}

/** One line for the CLI to print before a privileged operation. */
export function describeUser(u: CurrentUser): string {
  const from =
    u.source === 'SLIPWAY_USER' ? 'SLIPWAY_USER' : u.source === 'git' ? 'git config' : 'the OS account';
  return `acting as ${u.name} (from ${from}; not authenticated)`;
}

/** git's user.email, else user.name, in `dir`; undefined when git or both settings are missing. */
export async function gitUser(dir: string): Promise<string | undefined> {
  const get = (key: string) =>
    new Promise<string | undefined>((resolve) => {
      execFile('git', ['config', '--get', key], { cwd: dir, timeout: 5000 }, (err, stdout) =>
        resolve(err ? undefined : stdout.trim() || undefined),
      );
    });
  return (await get('user.email')) ?? (await get('user.name'));
}
