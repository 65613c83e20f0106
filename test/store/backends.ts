// Runs one suite against every store backend: SQLite (a temp file) and a real PostgreSQL that the
// suite starts on loopback. When PostgreSQL cannot start here, its tests are skipped with the reason.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, type TestContext } from 'node:test';
import { openStore } from '../../src/store/open.ts';
import type { StateStore } from '../../src/store/types.ts';
import { startPostgres, type TestPostgres } from './postgres.ts';

export type Backend = 'sqlite' | 'postgres';

/** `fresh(t)` gives an empty, migrated store (closed after the suite), or skips the test. */
export function describeEachBackend(
  title: string,
  body: (fresh: (t: TestContext) => Promise<StateStore | undefined>, backend: Backend) => void,
): void {
  for (const backend of ['sqlite', 'postgres'] as const) {
    describe(`${title} [${backend}]`, () => {
      let server: TestPostgres | undefined;
      let skip: string | undefined;
      let dir: string | undefined;
      const open: StateStore[] = [];
      let n = 0;
      before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'slipway-store-'));
        if (backend === 'postgres') {
          const r = await startPostgres();
          if ('skip' in r) {
            skip = `PostgreSQL tests skipped: ${r.skip}`;
            console.warn(skip);
          } else {
            server = r;
            process.once('exit', () => server?.stop());
          }
        }
      });
      after(async () => {
        try {
          for (const s of open) await s.close();
        } finally {
          server?.stop();
          if (dir) rmSync(dir, { recursive: true, force: true });
        }
      });
      const fresh = async (t: TestContext): Promise<StateStore | undefined> => {
        n++;
        if (skip) {
          t.skip(skip);
          return undefined;
        }
        const store =
          backend === 'postgres'
            ? await openStore(await server!.createDatabase(`t${n}`), dir!)
            : await openStore(`state-${n}.db`, dir!);
        open.push(store);
        return store;
      };
      body(fresh, backend);
    });
  }
}
