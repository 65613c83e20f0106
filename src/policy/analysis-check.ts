// Before anything is rendered for a release, the analysis templates of slipway.yaml must be usable:
// every success and failure condition compiles, and every `{{args.x}}` a provider uses is declared
// (analysis/templates.ts checkAnalysisTemplates). Otherwise a broken condition passes `lint` and
// fails the release at its first measurement. Each problem names slipway.yaml's line.
import { checkAnalysisTemplates } from '../analysis/templates.ts';
import { type LoadedPlatform, PLATFORM_FILE } from '../config/load.ts';
import { SlipwayError } from '../shared/errors.ts';

const checked = new WeakSet<LoadedPlatform>();

/** `analysis.t.metrics[0].successCondition` → ['analysis', 't', 'metrics', 0, 'successCondition'] */
function segments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] === undefined ? m[1]! : Number(m[2]));
  return out;
}

/** Throws one config error (exit 2) listing every unusable analysis template of the platform. */
export function assertAnalysisTemplates(p: LoadedPlatform): void {
  if (checked.has(p)) return;
  const errors = checkAnalysisTemplates(p.platform, PLATFORM_FILE).map((e) => {
    const path = e.location?.path ?? '';
    const at = p.file.locate(segments(path));
    return new SlipwayError('config', e.message, {
      location: { file: PLATFORM_FILE, ...(at ? { line: at.line, column: at.column } : {}), path },
      details: e.details,
      ...(e.hint ? { hint: e.hint } : {}),
    });
  });
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new SlipwayError(
      'config',
      `${errors.length} problems in the analysis templates of ${PLATFORM_FILE}`,
      {
        details: errors.map(
          (e) => `${PLATFORM_FILE}:${e.location?.line ?? '?'} (${e.location?.path}): ${e.message}`,
        ),
      },
    );
  }
  checked.add(p);
}
