// Starting another slipway entry point in a child process, the same way this one runs: the compiled
// JavaScript of a build, or the TypeScript sources through tsx (whose loader a child does not inherit
// when the parent registered it through bin/slipway.js).
import { fileURLToPath } from 'node:url';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** Node arguments that run `<path>.ts` from the sources, or `<path>.js` from the build. */
export function childNodeArgs(tsModule: URL): string[] {
  const file = fileURLToPath(tsModule);
  return FROM_SOURCE ? ['--import', import.meta.resolve('tsx'), file] : [file.replace(/\.ts$/, '.js')];
}
