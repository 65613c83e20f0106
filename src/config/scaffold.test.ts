import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from '@commander-js/extra-typings';
import { initPlatform, registerInit } from '../cli/commands/init.ts';
import { lintPlatform } from '../policy/lint.ts';
import { SlipwayError } from '../shared/errors.ts';
import { loadPlatform } from './load.ts';
import { environmentIndex, namespaceFor, serviceNames, strategyFor } from './model.ts';
import { platformNameFrom, scaffoldPlatform } from './scaffold.ts';

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-init-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('scaffoldPlatform', () => {
  it('lists the platform files', () => {
    assert.deepEqual([...scaffoldPlatform({ name: 'shop' }).keys()].sort(), [
      'environments/development.yaml',
      'environments/production.yaml',
      'environments/staging.yaml',
      'slipway.yaml',
      'values.yaml',
      'values/production.yaml',
      'values/web.yaml',
    ]);
  });

  it('adds a yaml-language-server modeline when told where the schemas are', () => {
    const files = scaffoldPlatform({ name: 'shop', schemaBase: '../schema/' });
    assert.ok(
      files
        .get('slipway.yaml')!
        .startsWith('# yaml-language-server: $schema=../schema/slipway.schema.json\n'),
    );
    assert.ok(
      files
        .get('environments/staging.yaml')!
        .startsWith('# yaml-language-server: $schema=../../schema/desired-state.schema.json\n'),
    );
    assert.ok(!scaffoldPlatform({ name: 'shop' }).get('slipway.yaml')!.includes('yaml-language-server'));
    const absolute = scaffoldPlatform({ name: 'shop', schemaBase: 'https://example.com/schema/' });
    assert.ok(
      absolute
        .get('environments/staging.yaml')!
        .startsWith('# yaml-language-server: $schema=https://example.com/schema/desired-state.schema.json\n'),
    );
  });

  it('refuses an invalid name', () => {
    assert.throws(
      () => scaffoldPlatform({ name: 'My Shop' }),
      (e: unknown) => e instanceof SlipwayError && e.type === 'usage',
    );
  });

  it('derives a platform name from a directory name', () => {
    assert.equal(platformNameFrom('My_Shop 2'), 'my-shop-2');
    assert.equal(platformNameFrom('---'), undefined);
  });

  it('is a working platform', async () => {
    await withTempDir(async (dir) => {
      for (const [path, content] of scaffoldPlatform({ name: 'shop' })) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
      const p = await loadPlatform(dir);
      assert.deepEqual(serviceNames(p), ['web']);
      assert.deepEqual(
        p.environments.map((e) => e.name),
        ['development', 'staging', 'production'],
      );
      assert.equal(environmentIndex(p, 'production'), 2);
      const prod = p.environments[2]!;
      assert.equal(prod.policy, 'strict');
      assert.equal(prod.promotion?.from, 'staging');
      assert.equal(prod.promotion?.approvals, 1);
      assert.equal(p.platform.services.web?.image, 'ghcr.io/example/web');
      assert.deepEqual(strategyFor(p, 'web'), { type: 'rolling' });
      assert.equal(namespaceFor(p, 'staging'), 'shop-staging');
      for (const env of ['development', 'staging', 'production']) {
        assert.equal(p.desired.get(env)?.state.services.web?.version, '1.0.0');
      }
      // It renders in every environment and passes each environment's policy, strict production included.
      const report = await lintPlatform(p);
      assert.equal(report.summary.errors, 0, JSON.stringify(report.findings, null, 2));
      assert.ok(report.ok);
    });
  });
});

describe('slipway init', () => {
  it('writes the platform, names it after the directory and refuses to overwrite without --force', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'Acme Platform');
      const result = await initPlatform(dir, {});
      assert.equal(result.name, 'acme-platform');
      const p = await loadPlatform(dir);
      assert.equal(p.platform.name, 'acme-platform');
      // In a source checkout the schemas exist, so the modeline points at them.
      assert.match(
        await readFile(join(dir, 'slipway.yaml'), 'utf8'),
        /^# yaml-language-server: \$schema=.*schema\/slipway\.schema\.json\n/,
      );

      await writeFile(join(dir, 'values.yaml'), 'mine: true\n');
      await assert.rejects(initPlatform(dir, {}), (e: unknown) => {
        assert.ok(e instanceof SlipwayError);
        assert.equal(e.exitCode, 2);
        assert.match(e.message, /already exist/);
        assert.match(e.hint ?? '', /--force/);
        return true;
      });
      assert.equal(await readFile(join(dir, 'values.yaml'), 'utf8'), 'mine: true\n');

      await initPlatform(dir, { force: true, name: 'acme' });
      assert.equal((await loadPlatform(dir)).platform.name, 'acme');
      assert.notEqual(await readFile(join(dir, 'values.yaml'), 'utf8'), 'mine: true\n');
    });
  });

  it('is a command: slipway -C <root> init <dir> --name N', async () => {
    await withTempDir(async (root) => {
      const program = new Command().option('-C, --dir <path>', 'platform directory', '.').exitOverride();
      registerInit(program);
      const write = process.stdout.write;
      let out = '';
      process.stdout.write = ((chunk: string) => {
        out += chunk;
        return true;
      }) as typeof process.stdout.write;
      try {
        await program.parseAsync(['-C', root, 'init', 'shop', '--name', 'shop', '--output', 'json'], {
          from: 'user',
        });
      } finally {
        process.stdout.write = write;
      }
      const result = JSON.parse(out) as { name: string; dir: string; files: string[] };
      assert.equal(result.name, 'shop');
      assert.equal(result.dir, join(root, 'shop'));
      assert.ok(result.files.includes('slipway.yaml'));
      assert.equal((await loadPlatform(join(root, 'shop'))).platform.name, 'shop');
    });
  });
});
