// Bounded inputs, end to end through the real CLI (issue 14, item 4): --set-file refuses devices,
// FIFOs, directories, large and binary files at once; 5,000 nested brackets in --set-json or --set
// and a deeply nested values file are input errors (exit 2), never a stack overflow; control
// characters from SLIPWAY_USER or a --set key reach the terminal escaped.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const TIME = '/usr/bin/time';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the CLI process in KiB, when /usr/bin/time is there to measure it. */
  maxRssKiB?: number;
}

function slipway(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const measured = existsSync(TIME);
  const cmd = measured ? TIME : process.execPath;
  const argv = [
    ...(measured ? ['-f', 'maxrss=%M', process.execPath] : []),
    join(root, 'bin/slipway.js'),
    ...args,
  ];
  return new Promise((resolve) => {
    execFile(
      cmd,
      argv,
      { env: { ...process.env, SLIPWAY_FROM_SOURCE: '1', NO_COLOR: '1', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const rss = /maxrss=(\d+)\s*$/.exec(stderr);
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
          stdout,
          stderr: rss
            ? stderr.slice(0, rss.index).replace(/Command exited with non-zero status \d+\n$/, '')
            : stderr,
          ...(rss ? { maxRssKiB: Number(rss[1]) } : {}),
        });
      },
    );
  });
}

let dir: string;
const values = (...flags: string[]) =>
  slipway(['-C', dir, 'values', 'backend', '--env', 'staging', ...flags]);

function assertInputError(r: Run, ...texts: RegExp[]) {
  assert.equal(r.code, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /internal error|Maximum call stack/i);
  for (const t of texts) assert.match(r.stderr, t);
}

describe('bounded inputs (CLI)', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-bounded-'));
    cpSync(join(root, 'examples/budget'), dir, { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--set-file /dev/zero is refused at once, in little memory', async (t) => {
    const started = Date.now();
    const r = await values('--set-file', 'k=/dev/zero');
    assertInputError(r, /--set-file/, /"\/dev\/zero": it is a character device, not a regular file/);
    assert.ok(Date.now() - started < 30_000);
    if (r.maxRssKiB !== undefined) {
      t.diagnostic(`maxRSS of the refusing CLI: ${(r.maxRssKiB / 1024).toFixed(0)} MiB`);
      assert.ok(r.maxRssKiB < 200 * 1024, `maxRSS ${r.maxRssKiB} KiB`);
    }
  });

  it('--set-file refuses a 2 MB file and a binary file', async () => {
    const big = join(dir, 'big.txt');
    writeFileSync(big, 'a'.repeat(2_000_000));
    assertInputError(
      await values('--set-file', `k=${big}`),
      /larger than the limit of 1 MiB/,
      /SLIPWAY_SET_FILE_MAX_BYTES/,
    );
    const r = await slipway(['-C', dir, 'values', 'backend', '--env', 'staging', '--set-file', `k=${big}`], {
      SLIPWAY_SET_FILE_MAX_BYTES: '4Mi',
    });
    assert.doesNotMatch(r.stderr, /larger than the limit|--set-file value/, 'a raised limit lets it through');
    const bin = join(dir, 'blob.bin');
    writeFileSync(bin, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]));
    assertInputError(
      await values('--set-file', `k=${bin}`),
      /--set-file/,
      /blob\.bin": it holds binary data/,
    );
  });

  it('5,000 nested brackets in --set-json and --set are input errors, not a stack overflow', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    assertInputError(
      await values('--set-json', `a=${deep}`),
      /invalid --set-json/,
      /nested more than 100 levels/,
    );
    assertInputError(
      await values('--set-json', `{"a":${deep}}`),
      /invalid --set-json/,
      /nested more than 100/,
    );
    assertInputError(
      await values('--set', `a${'[0]'.repeat(5000)}=1`),
      /invalid --set /,
      /nested more than 100/,
    );
  });

  it('a deeply nested values file is a config error naming the file', async () => {
    writeFileSync(
      join(dir, 'values/backend.yaml'),
      `replicaCount: 2\ndeep: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
    );
    try {
      assertInputError(
        await values(),
        /values\/backend\.yaml:2:\d+: maps and lists are nested more than 100 levels/,
      );
    } finally {
      rmSync(join(dir, 'values/backend.yaml'));
    }
  });

  it('control characters from SLIPWAY_USER and a --set key are printed escaped', async () => {
    const user = 'mallory\x1b]0;owned\x07\x1b[2J';
    const u = await slipway(['-C', dir, 'freeze', '--list', '--env', 'staging'], {
      SLIPWAY_USER: user,
      SLIPWAY_STORE: join(dir, 'no-store.db'),
    });
    assert.match(u.stderr, /acting as mallory\\u001b\]0;owned\\u0007\\u001b\[2J \(from SLIPWAY_USER/);
    assert.doesNotMatch(u.stderr, /\x1b/);
    const k = await values('--set', 'evil\x1b]0;t\x07key\x9b2J');
    assertInputError(
      k,
      /invalid --set "evil\\u001b\]0;t\\u0007key\\u009b2J": key "evil\\u001b\]0;t\\u0007key\\u009b2J" has no value/,
    );
    assert.doesNotMatch(k.stderr, /[\x1b\x9b]/);
  });
});
