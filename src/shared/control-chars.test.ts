import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeControl, hasControl } from './control-chars.ts';

describe('escapeControl', () => {
  it('shows ESC, CR, BEL, backspace, DEL and C1 controls as \\u escapes', () => {
    assert.equal(escapeControl('a\x1b[2Jb'), 'a\\u001b[2Jb');
    assert.equal(escapeControl('x\ry\x07\b\x7f'), 'x\\u000dy\\u0007\\u0008\\u007f');
    assert.equal(escapeControl('\u009b31m\u009d0;t\u0007'), '\\u009b31m\\u009d0;t\\u0007');
    assert.equal(escapeControl('nul\0'), 'nul\\u0000');
  });

  it('keeps newline, tab and printable text (accents, emoji) as they are', () => {
    const s = 'line 1\n\tline 2 — café ✔ 🚀 \u00a0';
    assert.equal(escapeControl(s), s);
  });

  it('keeps JSON valid: the escape reads back to the same character', () => {
    const json = JSON.stringify({ user: 'a\u009bb\x7f' });
    assert.deepEqual(JSON.parse(escapeControl(json)), { user: 'a\u009bb\x7f' });
  });

  it('hasControl tells whether there is anything to escape', () => {
    assert.equal(hasControl('plain\ttext\n'), false);
    assert.equal(hasControl('esc\x1b'), true);
    assert.equal(hasControl('esc\x1b'), true);
  });
});
