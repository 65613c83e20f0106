// Orchestration overhead of a rolling release of a 3-replica service on the local cluster: the wall
// time of `deploy()` minus the time the rollout itself took (apply done → the Deployment reporting
// all new replicas available, seen by an independent watch), per step and in total. Target: under
// 1 s in total. The pods are the demo service with 1-second probes.

import { deploy, type ReleaseRecord, silentEvents } from '../src/release/index.ts';
import type { KubeObject } from '../src/shared/kube-types.ts';
import { startReleaseEnv } from '../test/release/support.ts';
import { report } from './report.ts';

const env = await startReleaseEnv();
try {
  const release = (tag: string) =>
    deploy(
      env.client,
      {
        platform: env.platform,
        service: 'web',
        environment: 'dev',
        overrides: { imageTag: tag, set: ['replicaCount=3'] },
        user: 'bench',
        timeoutMs: 60_000,
      },
      silentEvents,
    );
  const first = await release('v1'); // creates everything; not measured
  if (first.status !== 'deployed') throw new Error(`warm-up release failed: ${first.failure?.reason}`);

  let rolledOutAt = 0;
  const isDone = (d: KubeObject) => {
    const s = (d.status ?? {}) as Record<string, number>;
    const want = (d.spec as { replicas?: number }).replicas ?? 1;
    return (
      (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
      s.updatedReplicas === want &&
      s.availableReplicas === want &&
      s.replicas === want
    );
  };
  let armed = false;
  const watch = await env.client.watch('apps/v1', 'Deployment', { namespace: 'shop-dev' }, (e) => {
    if (armed && e.object.metadata.name === 'web' && !rolledOutAt && isDone(e.object))
      rolledOutAt = Date.now();
  });
  let r: ReleaseRecord;
  const t0 = Date.now();
  try {
    setTimeout(() => {
      armed = true;
    }, 0);
    r = await release('v2');
  } finally {
    watch.stop();
  }
  const wall = Date.now() - t0;
  if (r.status !== 'deployed') throw new Error(`release failed: ${r.failure?.reason}`);
  const ms = (name: string) => {
    const s = r.steps.find((x) => x.name === name);
    return s?.endedAt ? Date.parse(s.endedAt) - Date.parse(s.startedAt) : 0;
  };
  const applyEnd = Date.parse(r.steps.find((s) => s.name === 'apply')?.endedAt ?? '');
  const trackEnd = Date.parse(r.steps.find((s) => s.name === 'track rollout')?.endedAt ?? '');
  const rollout = rolledOutAt - applyEnd;
  const overhead = wall - rollout;
  report({
    'release wall time (ms)': wall,
    'rollout itself: apply → 3/3 available (ms)': rollout,
    'step render (ms)': ms('render'),
    'step lint (ms)': ms('lint'),
    'step lock (ms)': ms('lock'),
    'step diff (ms)': ms('diff'),
    'step apply (ms)': ms('apply'),
    'track: rolled out → noticed (ms)': trackEnd - rolledOutAt,
    'step smoke tests (ms)': ms('smoke tests'),
    'step prune (ms)': ms('prune'),
    'finish (record, supersede, prune history, unlock) (ms)': t0 + wall - Date.parse(r.endedAt ?? ''),
    'orchestration overhead total (ms)': overhead,
    'overhead under 1 s': overhead < 1000,
  });
} finally {
  await env.close();
}
