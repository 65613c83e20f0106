// A throw-away PostgreSQL server for tests: initdb in a temp dir, started with pg_ctl on 127.0.0.1 and
// a free port, unix socket inside the temp dir, stopped with `pg_ctl stop -m immediate` (then by pid if
// that fails) and removed. initdb refuses to run as root, so as root the server runs as `postgres`
// (or `nobody`) through runuser, with the data dir owned by that user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface TestPostgres {
  /** postgres://… of the default database. */
  url: string;
  port: number;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): void;
}

function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function uidOf(user: string): { uid: number; gid: number } | undefined {
  try {
    const line = execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).trim();
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}

/** Starts a server, or returns a reason why it cannot be started here. */
export async function startPostgres(): Promise<TestPostgres | { skip: string }> {
  const bin = findBinDir();
  if (!bin) return { skip: 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)' };
  const asRoot = userInfo().uid === 0;
  let runAs: string | undefined;
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    for (const u of ['postgres', 'nobody']) {
      owner = uidOf(u);
      if (owner) {
        runAs = u;
        break;
      }
    }
    if (!runAs)
      return { skip: 'running as root and there is no postgres or nobody user to run PostgreSQL as' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'slipway-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'log');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const run = (cmd: string, args: string[]) => {
    const argv = runAs ? ['runuser', '-u', runAs, '--', join(bin, cmd), ...args] : [join(bin, cmd), ...args];
    return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  };
  const cleanup = () => rmSync(dir, { recursive: true, force: true });

  const init = run('initdb', ['-D', data, '-A', 'trust', '-U', 'slipway', '--no-sync', '-E', 'UTF8']);
  if (init.status !== 0) {
    cleanup();
    return {
      skip: `initdb failed: ${(init.stderr || init.stdout || String(init.error)).trim().slice(0, 400)}`,
    };
  }
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off`;
  const start = run('pg_ctl', ['start', '-D', data, '-w', '-t', '30', '-l', log, '-o', options]);
  const pidOf = (): number | undefined => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    const pid = pidOf();
    const r = run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '10']);
    if (r.status !== 0 && pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    cleanup();
  };
  if (start.status !== 0) {
    const why = existsSync(log) ? readFileSync(log, 'utf8') : start.stderr;
    stop();
    return { skip: `PostgreSQL did not start: ${why.trim().slice(0, 400)}` };
  }
  const url = `postgres://slipway@127.0.0.1:${port}/postgres`;
  const { default: pg } = await import('pg');
  return {
    url,
    port,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://slipway@127.0.0.1:${port}/${name}`;
    },
    stop,
  };
}
