// The demo's workspace: temporary copies of examples/appointments and examples/budget, adapted for
// demo timing only (pauses of seconds, analysis every second), with absolute `localImages` paths.
// The examples themselves are never modified. Every adaptation is listed in `notes` for the output.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

/** The repository root (src/demo → ../..; dist/demo → ../..). */
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
export const DEMO_SERVICE = join(REPO_ROOT, 'demo-service', 'server.mjs');

export interface DemoWorkspace {
  root: string;
  appointments: string;
  budget: string;
  /** What was changed in the copies, one line each. */
  notes: string[];
  remove(): void;
}

/** The demo's pause and analysis timing; the examples' own figures are in the notes. */
export const DEMO_TIMING = {
  canaryPause: '6s',
  analysisInterval: '1s',
  analysisInitialDelay: '1500ms',
  bgScaleDownDelay: '30s',
} as const;

function edit(file: string, fn: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  fn(doc);
  writeFileSync(file, doc.toString());
}

export function prepareWorkspace(): DemoWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'slipway-demo-'));
  const appointments = join(root, 'appointments');
  const budget = join(root, 'budget');
  const notes: string[] = [];
  try {
    cpSync(join(REPO_ROOT, 'examples', 'appointments'), appointments, { recursive: true });
    cpSync(join(REPO_ROOT, 'examples', 'budget'), budget, {
      recursive: true,
      filter: (p) => !p.includes('/canary'),
    });
    edit(join(appointments, 'slipway.yaml'), (doc) => {
      const steps = doc.getIn(['strategies', 'canary-10', 'steps']) as { items: unknown[] } | undefined;
      const n = steps?.items.length ?? 0;
      for (let i = 0; i < n; i++) {
        if (doc.hasIn(['strategies', 'canary-10', 'steps', i, 'pause', 'duration'])) {
          const was = String(doc.getIn(['strategies', 'canary-10', 'steps', i, 'pause', 'duration']));
          doc.setIn(['strategies', 'canary-10', 'steps', i, 'pause', 'duration'], DEMO_TIMING.canaryPause);
          notes.push(`appointments canary-10: pause ${was} → ${DEMO_TIMING.canaryPause}`);
        }
      }
      const was = String(doc.getIn(['analysis', 'success-rate', 'metrics', 0, 'interval']));
      doc.setIn(['analysis', 'success-rate', 'metrics', 0, 'interval'], DEMO_TIMING.analysisInterval);
      notes.push(`appointments analysis success-rate: interval ${was} → ${DEMO_TIMING.analysisInterval}`);
      // The background analysis starts when the weight is set; its first window must see canary
      // traffic, else "no data" (inconclusive) ends it without a verdict.
      doc.setIn(['analysis', 'success-rate', 'metrics', 0, 'initialDelay'], DEMO_TIMING.analysisInitialDelay);
      notes.push(
        `appointments analysis success-rate: initialDelay ${DEMO_TIMING.analysisInitialDelay} (none in the example), so the first 1 s window already has canary traffic`,
      );
      // One cluster runs both platforms, so the appointments copy (what `cluster up` reads) maps both.
      doc.setIn(
        ['localImages'],
        [
          { image: 'ghcr.io/appointments/*', command: ['node', DEMO_SERVICE] },
          { image: 'ghcr.io/budget/*', command: ['node', DEMO_SERVICE] },
        ],
      );
      notes.push(`localImages: ${DEMO_SERVICE} (absolute) for ghcr.io/appointments/* and ghcr.io/budget/*`);
    });
    edit(join(budget, 'slipway.yaml'), (doc) => {
      doc.setIn(['localImages'], [{ image: 'ghcr.io/budget/*', command: ['node', DEMO_SERVICE] }]);
      const was = String(doc.getIn(['strategies', 'blue-green', 'scaleDownDelay']));
      doc.setIn(['strategies', 'blue-green', 'scaleDownDelay'], DEMO_TIMING.bgScaleDownDelay);
      notes.push(`budget blue-green: scaleDownDelay ${was} → ${DEMO_TIMING.bgScaleDownDelay}`);
      // The built-in success-rate metric compares `<service>-canary` with stable: a blue-green release
      // has no canary workload, so it would only ever measure "no data". The demo checks the active
      // Service answering instead.
      doc.setIn(['analysis', 'active-answers'], {
        args: ['activeUrl'],
        metrics: [
          {
            name: 'active-answers',
            provider: { web: { url: '{{args.activeUrl}}/api/info' } },
            interval: DEMO_TIMING.analysisInterval,
            count: 3,
          },
        ],
      });
      doc.setIn(['strategies', 'blue-green', 'postPromotionAnalysis', 'templates'], ['active-answers']);
      notes.push(
        'budget blue-green: post-promotion analysis success-rate of the new colour (30s × 4, and the demo sends it no steady traffic) → web check of the active Service, 1s × 3',
      );
    });
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  return {
    root,
    appointments,
    budget,
    notes,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
