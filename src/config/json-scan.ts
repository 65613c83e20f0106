// Where one JSON value ends inside a longer text (`--set-json a=[1,2],b=3`), found by scanning, so
// that JSON.parse sees exactly that value. Iterative: any nesting depth is safe to scan.

/**
 * Where the JSON value starting at `start` ends, as a streaming decoder reads it: objects, arrays
 * and strings end at their closing character, literals and numbers at the first character that
 * cannot continue them. JSON.parse then validates the slice.
 */
export function jsonValueEnd(s: string, start: number): number | undefined {
  const open = s[start];
  if (open === '"') return stringEnd(s, start);
  if (open === '{' || open === '[') {
    let depth = 0;
    for (let i = start; i < s.length; i++) {
      const c = s[i];
      if (c === '"') {
        const e = stringEnd(s, i);
        if (e === undefined) return undefined;
        i = e - 1;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return undefined;
  }
  let i = start;
  while (i < s.length && /[A-Za-z0-9+\-.]/.test(s[i]!)) i++;
  return i === start ? start + 1 : i;
}

function stringEnd(s: string, start: number): number | undefined {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i + 1;
  }
  return undefined;
}
