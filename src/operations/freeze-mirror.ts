// Declared freezes live in the store, which the release engine never reads; running releases learn of
// them from a marker in each environment's cluster (release/freeze-marker.ts). After every change of
// an environment's declared freezes the marker is made to match what is in force: the freeze that
// lasts longest (one until lifted before any with an end), or no marker at all. A cluster that cannot
// be reached changes nothing in the store: the freeze still refuses new releases, and the caller is
// told that the releases running there were not.
import { namespaceFor } from '../config/model.ts';
import {
  clearFreezeMarker,
  FREEZE_MARKER,
  type FreezeMarker,
  writeFreezeMarker,
} from '../release/freeze-marker.ts';
import type { FreezeRecord } from '../store/types.ts';
import type { OperationContext } from './context.ts';

/** Whether the running releases of an environment were told of the change, and if not why. */
export interface ClusterNotice {
  runningReleasesTold: boolean;
  /** Why they were not, or what else happened (a leftover marker removed). */
  clusterNote?: string;
}

/** The marker for the declared freezes of one environment: the one in force that lasts longest. */
export function markerFor(freezes: readonly FreezeRecord[], now: Date): FreezeMarker | undefined {
  const iso = now.toISOString();
  const inForce = freezes.filter(
    (f) => f.liftedAt === undefined && f.startsAt <= iso && (f.endsAt === undefined || f.endsAt > iso),
  );
  const longest = inForce.reduce<FreezeRecord | undefined>((best, f) => {
    if (!best) return f;
    if (best.endsAt === undefined && f.endsAt === undefined) return f.id > best.id ? f : best;
    if (best.endsAt === undefined) return best;
    if (f.endsAt === undefined) return f;
    return f.endsAt > best.endsAt || (f.endsAt === best.endsAt && f.id > best.id) ? f : best;
  }, undefined);
  return longest
    ? {
        id: longest.id,
        environment: longest.environment,
        reason: longest.reason,
        by: longest.createdBy,
        until: longest.endsAt,
      }
    : undefined;
}

/** Makes the environment's marker match its declared freezes in the store. */
export async function mirrorFreezes(ctx: OperationContext, environment: string): Promise<ClusterNotice> {
  const marker = markerFor(await ctx.store.listFreezes({ environment }), ctx.now);
  const namespace = namespaceFor(ctx.platform, environment);
  try {
    const client = await ctx.cluster.connect(ctx.platform, environment, { start: false });
    if (!client) throw new Error('its cluster is not running');
    if (marker) {
      await client.ensureNamespace(namespace);
      await writeFreezeMarker(client, namespace, marker);
      return { runningReleasesTold: true };
    }
    await clearFreezeMarker(client, namespace);
    return { runningReleasesTold: true };
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    return {
      runningReleasesTold: false,
      clusterNote: marker
        ? `the cluster of ${environment} was not reached (${why}): releases already running there were not told and go on; new ones are refused`
        : `the cluster of ${environment} was not reached (${why}): releases held there stay held until ConfigMap ${FREEZE_MARKER} in ${namespace} is removed (run unfreeze --all again once it is reachable)`,
    };
  }
}
