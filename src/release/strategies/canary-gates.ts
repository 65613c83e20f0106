// `slipway promote <service> --env E [--full]` and `slipway abort <service> --env E`: find the running
// release (the newest revision, pending, and the lock), set the gate its process watches, and wait
// until that process acted on it. When the process died (holder gone), the release is resumed here
// with the gate set, so it finishes (promote) or rolls back (abort). Abort is idempotent: without a
// running release it still routes 100 % to stable and deletes a leftover canary.

import type { LoadedPlatform } from '../../config/load.ts';
import { getService, nameAffixesFor, strategyFor } from '../../config/model.ts';
import type { KubeClient } from '../../kube/client.ts';
import { SlipwayError } from '../../shared/errors.ts';
import { objectName } from '../../shared/names.ts';
import { holderIsGone, resume, serviceTarget } from '../engine.ts';
import { RELEASE_STATUS, type ReleaseRecord } from '../history.ts';
import { readLock } from '../lock.ts';
import type { DeployRequest, ReleaseEvents, StrategyContext } from '../types.ts';
import { abortCanary } from './canary.ts';
import { GATE_ACTIONS, type GateAction, readGate, writeGate } from './canary-runtime.ts';

export interface GateRequest {
  platform: LoadedPlatform;
  service: string;
  environment: string;
  user: string;
  action: GateAction;
  /** How long to wait for the running process to act (default 60 s). */
  waitMs?: number;
  /** Analysis options for a release resumed here (see DeployRequest.analysis). */
  analysis?: DeployRequest['analysis'];
}

export interface GateOutcome {
  revision?: number;
  /** What happened, for people. */
  message: string;
  /** The release record when it ended here (abort or resume). */
  record?: ReleaseRecord;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function requestGate(
  client: KubeClient,
  req: GateRequest,
  events: ReleaseEvents,
): Promise<GateOutcome> {
  const t = serviceTarget(client, req);
  const latest = await t.history.latest(req.service);
  const running = latest?.status === RELEASE_STATUS.pending ? latest : undefined;
  if (!running) {
    if (req.action !== GATE_ACTIONS.abort) {
      throw new SlipwayError('notFound', `no release of ${req.service} is running in ${req.environment}`, {
        hint: `\`slipway status --env ${req.environment}\` shows releases in progress; promote works on a paused canary.`,
      });
    }
    return { message: await cleanUpLeftovers(client, t.namespace, req, latest) };
  }
  const gate = {
    revision: running.revision,
    action: req.action,
    user: req.user,
    at: new Date().toISOString(),
  };
  await writeGate(client, t.namespace, req.service, gate);
  const lock = await readLock(client, req.service);
  if (!lock || holderIsGone(lock)) {
    events.log(`revision ${running.revision} has no live process; resuming it here with ${req.action}`);
    const record = await resume(
      client,
      {
        platform: req.platform,
        service: req.service,
        environment: req.environment,
        user: req.user,
        ...(req.analysis ? { analysis: req.analysis } : {}),
      },
      events,
    );
    return {
      revision: running.revision,
      message: `revision ${running.revision} ${record?.status ?? 'resumed'}`,
      ...(record ? { record } : {}),
    };
  }
  // A live process: wait until it consumed the gate (promote) or ended the release (abort).
  const end = Date.now() + (req.waitMs ?? 60_000);
  while (Date.now() < end) {
    const r = await t.history.get(req.service, running.revision);
    if (r && r.status !== RELEASE_STATUS.pending) {
      return {
        revision: running.revision,
        message: `revision ${running.revision} ${r.status}${r.failure ? `: ${r.failure.reason}` : ''}`,
        record: r,
      };
    }
    if (
      req.action !== GATE_ACTIONS.abort &&
      !(await readGate(client, t.namespace, req.service, running.revision))
    ) {
      return {
        revision: running.revision,
        message: `revision ${running.revision} ${req.action === GATE_ACTIONS.promoteFull ? 'fully promoted' : 'promoted'}: the release continues (held by ${lock.holder})`,
      };
    }
    await sleep(200);
  }
  return {
    revision: running.revision,
    message: `asked revision ${running.revision} to ${req.action}; its process (${lock.holder}) has not acted yet — it will at its next wait`,
  };
}

/** Without a running release: stable 100 %, no canary Deployment. */
async function cleanUpLeftovers(
  client: KubeClient,
  namespace: string,
  req: GateRequest,
  latest: ReleaseRecord | undefined,
): Promise<string> {
  const strategy = strategyFor(req.platform, req.service);
  const canaryName = objectName(req.service, nameAffixesFor(req.platform, req.environment), 'canary');
  const canary = await client.get('apps/v1', 'Deployment', canaryName, namespace);
  if (strategy.type !== 'canary' || !latest || !canary) {
    return `nothing to abort: no release of ${req.service} is running in ${req.environment}`;
  }
  const ctx = {
    client,
    platform: req.platform,
    namespace,
    service: req.service,
    serviceConfig: getService(req.platform, req.service),
    strategy,
    release: latest,
    events: { step() {}, progress() {}, log() {} },
  } as unknown as StrategyContext;
  await abortCanary(ctx);
  return `no release was running; the leftover ${canaryName} was deleted and stable serves 100 %`;
}
