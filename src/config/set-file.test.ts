import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SlipwayError } from '../shared/errors.ts';
import { DEFAULT_SET_FILE_MAX_BYTES, readSetFile, setFileLimit } from './set-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'slipway-set-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function refused(f: () => unknown, text: RegExp) {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof SlipwayError, String(e));
    assert.equal(e.type, 'values');
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /^invalid --set-file value: cannot read file "/);
    assert.match(e.message, text);
    return true;
  });
}

describe('readSetFile', () => {
  it('reads a UTF-8 text file whole', () => {
    const p = join(dir, 'cert.pem');
    writeFileSync(p, 'héllo\n-----END-----\n');
    assert.equal(readSetFile(p), 'héllo\n-----END-----\n');
  });

  it('refuses devices, directories and FIFOs before reading a byte', () => {
    refused(() => readSetFile('/dev/zero'), /"\/dev\/zero": it is a character device, not a regular file/);
    refused(() => readSetFile(dir), /it is a directory/);
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    refused(() => readSetFile(fifo), /it is a FIFO/); // returns at once: no writer is waited for
    refused(() => readSetFile(join(dir, 'missing')), /no such file/);
  });

  it('refuses a file over the limit without reading it, and binary content', () => {
    const big = join(dir, 'big');
    writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 'a'));
    refused(() => readSetFile(big), /larger than the limit of 1 MiB \(2 MiB\)/);
    assert.equal(readSetFile(big, 3 * 1024 * 1024).length, 2 * 1024 * 1024);
    const nul = join(dir, 'nul');
    writeFileSync(nul, Buffer.from([0x61, 0x00, 0x62]));
    refused(() => readSetFile(nul), /binary data \(a NUL byte at offset 1\)/);
    const latin1 = join(dir, 'latin1');
    writeFileSync(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    refused(() => readSetFile(latin1), /not valid UTF-8/);
  });

  it('takes its limit from SLIPWAY_SET_FILE_MAX_BYTES: bytes, Ki or Mi', () => {
    assert.equal(setFileLimit({}), DEFAULT_SET_FILE_MAX_BYTES);
    assert.equal(setFileLimit({ SLIPWAY_SET_FILE_MAX_BYTES: '4Mi' }), 4 * 1024 * 1024);
    assert.equal(setFileLimit({ SLIPWAY_SET_FILE_MAX_BYTES: '512Ki' }), 512 * 1024);
    assert.equal(setFileLimit({ SLIPWAY_SET_FILE_MAX_BYTES: '100' }), 100);
    for (const bad of ['0', '1.5Mi', '1G', '-1', 'lots']) {
      assert.throws(() => setFileLimit({ SLIPWAY_SET_FILE_MAX_BYTES: bad }), {
        name: 'SlipwayError',
        type: 'usage',
      } as never);
    }
  });
});
