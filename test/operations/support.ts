// The fixture platforms of the gates, emergency-stop and server tests, copied to a temporary directory
// and given a local cluster: the demo service by its absolute path, a random port for the service (so
// parallel test files do not collide), an optional edit of slipway.yaml. The caller stops the cluster
// and removes the directory, even on failure.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type LocalCluster, startLocalCluster } from '../../src/localcluster/cluster.ts';
import { DEMO_SERVICE } from '../promotion-cli/support.ts';

export const FIXTURES = resolve(import.meta.dirname, 'fixtures');

export interface FixturePlatform {
  dir: string;
  cluster: LocalCluster;
}

/** Copies `fixtures/<name>` and starts its local cluster; its images match `example.test/<name>/*`. */
export async function startFixturePlatform(
  name: string,
  o: { editPlatform?: (yaml: string) => string } = {},
): Promise<FixturePlatform> {
  const dir = mkdtempSync(join(tmpdir(), `slipway-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  const file = join(dir, 'slipway.yaml');
  const yaml = readFileSync(file, 'utf8').replace('../../../../demo-service/server.mjs', DEMO_SERVICE);
  writeFileSync(file, o.editPlatform ? o.editPlatform(yaml) : yaml);
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  writeFileSync(
    join(dir, 'values.yaml'),
    `${readFileSync(join(dir, 'values.yaml'), 'utf8')}ports:\n  http: ${port}\nservice:\n  port: ${port}\n`,
  );
  const cluster = await startLocalCluster({
    dir: join(dir, '.slipway', 'cluster'),
    imageMappings: [{ image: `example.test/${name}/*`, command: ['node', DEMO_SERVICE], cwd: dir }],
    backoffBaseMs: 200,
    log: () => {},
  });
  return { dir, cluster };
}
