import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import { initPlatform, registerInit } from '../cli/commands/init.ts';
import { lintPlatform } from '../policy/lint.ts';
import { SlipwayError } from '../shared/errors.ts';
import { loadPlatform } from './load.ts';
import { environmentIndex, namespaceFor, serviceNames, strategyFor } from './model.ts';
import { platformNameFrom, scaffoldPlatform } from './scaffold.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

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
      // Outside the checkout and with no node_modules/slipway around it, no modeline: the only path
      // to this installation's schemas would be one of this machine.
      assert.equal(result.schema, undefined);
      assert.doesNotMatch(await readFile(join(dir, 'slipway.yaml'), 'utf8'), /yaml-language-server/);

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

  it('writes no path of this machine: the demo service by its bin name, schemas relative or not at all', async () => {
    await withTempDir(async (root) => {
      // A project that installed slipway: the modelines name its node_modules copy, relatively.
      await mkdir(join(root, 'node_modules', 'slipway', 'schema'), { recursive: true });
      await writeFile(join(root, 'node_modules', 'slipway', 'schema', 'slipway.schema.json'), '{}');
      const dir = join(root, 'platform');
      const result = await initPlatform(dir, {});
      assert.equal(result.schema, '../node_modules/slipway/schema/');
      const texts = await Promise.all(result.files.map((f) => readFile(join(dir, f), 'utf8')));
      for (const [i, text] of texts.entries()) {
        const file = result.files[i]!;
        assert.ok(!text.includes(root), `${file} names the directory it was written to`);
        for (const part of ['/work/', '/home/', '/tmp/', '/usr/', tmpdir(), process.cwd(), ROOT]) {
          assert.ok(!text.includes(part), `${file} contains ${part}`);
        }
        // No absolute path under any top-level directory of this machine (HTTP paths such as
        // /health/ready are fine: there is no /health here).
        for (const top of readdirSync('/')) {
          assert.doesNotMatch(text, new RegExp(`(^|[^.\\w])/${top}/`, 'm'), `${file}: a path under /${top}`);
        }
      }
      const slipway = texts[result.files.indexOf('slipway.yaml')]!;
      assert.match(
        slipway,
        /^# yaml-language-server: \$schema=\.\.\/node_modules\/slipway\/schema\/slipway\.schema\.json\n/,
      );
      assert.match(slipway, /command: \[slipway-demo-service\]/);
      assert.match(
        texts[result.files.indexOf('environments/staging.yaml')]!,
        /^# yaml-language-server: \$schema=\.\.\/\.\.\/node_modules\/slipway\/schema\/desired-state\.schema\.json\n/,
      );
      // Inside the slipway checkout (as the examples are), the checkout's own schemas, relatively.
      const inside = await mkdtemp(join(ROOT, '.init-test-'));
      try {
        const r = await initPlatform(inside, { name: 'inside' });
        assert.equal(r.schema, '../schema/');
      } finally {
        await rm(inside, { recursive: true, force: true });
      }
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
