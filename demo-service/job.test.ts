// The one-shot job stand-in: logs, waits, exits with the configured code; killed in `after` if stuck.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const JOB = join(dirname(fileURLToPath(import.meta.url)), 'job.mjs');
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function runJob(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [JOB, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  return new Promise<{ code: number | null; lines: Array<Record<string, unknown>> }>((resolve) => {
    child.on('close', (code) => {
      children.delete(child);
      resolve({
        code,
        lines: out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      });
    });
  });
}

describe('demo job', () => {
  it('logs its name and arguments and exits 0 after JOB_DURATION_MS', async () => {
    const t = Date.now();
    const { code, lines } = await runJob({ JOB_NAME: 'flyway-migrate', JOB_DURATION_MS: '150' }, ['migrate']);
    assert.equal(code, 0);
    assert.ok(Date.now() - t >= 150);
    assert.equal(lines[0]?.msg, 'started');
    assert.equal(lines[0]?.job, 'flyway-migrate');
    assert.deepEqual(lines[0]?.args, ['migrate']);
    assert.equal(lines.at(-1)?.msg, 'succeeded');
  });

  it('fails with JOB_EXIT_CODE', async () => {
    const { code, lines } = await runJob({ JOB_EXIT_CODE: '1', JOB_DURATION_MS: '0' });
    assert.equal(code, 1);
    assert.equal(lines.at(-1)?.msg, 'failed');
  });

  it('rejects a malformed setting with exit code 2', async () => {
    const { code } = await runJob({ JOB_DURATION_MS: 'soon' });
    assert.equal(code, 2);
  });
});
