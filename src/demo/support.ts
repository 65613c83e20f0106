// Small helpers of the demo's steps: clients per environment, Service addresses, release step
// times, load shares, and the text of analysis measurements and release progress.
import type { LoadedPlatform } from '../config/load.ts';
import { getEnvironment, namespaceFor } from '../config/model.ts';
import { connect, type KubeClient } from '../kube/client.ts';
import { resolveTarget } from '../kube/target.ts';
import type { ReleaseEvents, ReleaseRecord } from '../release/index.ts';
import { serviceUrl } from '../release/smoke.ts';
import type { LoadSummary } from './load.ts';

/** A step that did not behave as expected; the demo names the step and exits 1. */
export class DemoStepFailure extends Error {}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const pct = (n: number, d: number) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)} %`);

export async function clientFor(
  platform: LoadedPlatform,
  env: string,
  kubeconfig: string,
): Promise<KubeClient> {
  const namespace = namespaceFor(platform, env);
  const client = await connect(
    resolveTarget(getEnvironment(platform, env), namespace, { localKubeconfig: kubeconfig }),
  );
  await client.ensureNamespace(namespace);
  return client;
}

export async function urlOf(client: KubeClient, name: string): Promise<string> {
  const svc = await client.get('v1', 'Service', name, client.target.namespace);
  const url = svc ? serviceUrl(svc) : undefined;
  if (!url) throw new DemoStepFailure(`Service ${name} has no loopback address`);
  return url;
}

export function versionShare(s: LoadSummary, version: string): number {
  const ok = Object.values(s.byVersion).reduce((a, b) => a + b, 0);
  return ok === 0 ? 0 : (s.byVersion[version] ?? 0) / ok;
}

/** Step start and end times of a release, by step name. */
export function stepTimes(r: ReleaseRecord): Map<string, { start: number; end: number; detail?: string }> {
  const m = new Map<string, { start: number; end: number; detail?: string }>();
  for (const s of r.steps) {
    m.set(s.name, {
      start: Date.parse(s.startedAt),
      end: s.endedAt ? Date.parse(s.endedAt) : Date.now(),
      ...(s.detail ? { detail: s.detail } : {}),
    });
  }
  return m;
}

/** Measurements as `metric: value ✔/✖ …`, long runs shortened to their count and range. */
export function analysisText(ms: ReadonlyArray<{ metric: string; value: unknown; phase: string }>): string {
  if (ms.length === 0) return 'no measurements';
  const one = (m: { value: unknown; phase: string }) =>
    `${typeof m.value === 'number' ? m.value.toFixed(3) : 'no data'} ${m.phase === 'Successful' ? '✔' : m.phase === 'Failed' ? '✖' : `(${m.phase})`}`;
  const metrics = [...new Set(ms.map((m) => m.metric))];
  return metrics
    .map((metric) => {
      const own = ms.filter((m) => m.metric === metric);
      if (own.length <= 6) return `${metric} ${own.map(one).join(', ')}`;
      const values = own.map((m) => m.value).filter((v): v is number => typeof v === 'number');
      const ok = own.filter((m) => m.phase === 'Successful').length;
      return `${metric} ${own.length} measurements, ${ok} successful, values ${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)}`;
    })
    .join('; ');
}

export const fmt = (s: LoadSummary) =>
  Object.entries(s.byVersion)
    .map(([v, n]) => `${v}×${n}`)
    .join(' ') || 'none';

/** Plain progress lines for one release (steps and analysis measurements). */
export function lineEvents(say: (s: string) => void, key: string): ReleaseEvents {
  return {
    step(s) {
      if (s.endedAt)
        say(
          `  ${key}: ${s.outcome === 'ok' ? '✔' : '✖'} ${s.name}${s.detail ? ` — ${s.detail.split('\n')[0]}` : ''}`,
        );
    },
    progress() {},
    log(l) {
      say(`  ${key}: ${l}`);
    },
  };
}
