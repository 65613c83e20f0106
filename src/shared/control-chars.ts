// Text from users (names, flag values, YAML keys) must never drive the terminal it is printed on: an
// ESC or a C1 control could move the cursor, rewrite earlier lines, set the window title or write the
// clipboard. escapeControl() shows every control character as a visible \u escape; newline and tab,
// the only ones slipway's own output needs, stay. The escape is a JSON escape too, so JSON output
// stays valid and reads back the same.

// C0 except \t and \n, DEL, and C1 (U+0080–U+009F; U+009B is a one-character CSI for many terminals).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}
