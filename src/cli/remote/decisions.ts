// Promotions, approvals and freezes through the API, answering what the local operations answer so
// the commands print them with the same code. Who may approve is worked out from the platform
// directory when there is one (the API's promotion records do not carry it).
import type { LoadedPlatform } from '../../config/load.ts';
import type { DeclaredFreeze, LiftedFreezes } from '../../operations/freeze.ts';
import type { PromotionOutcome } from '../../operations/promotion.ts';
import type { ActiveFreeze } from '../../promotion/freeze.ts';
import type { PromotionView } from '../../promotion/operations.ts';
import type { PromotionRecord, PromotionStatus } from '../../store/types.ts';
import { consoleEvents } from '../events.ts';
import type { ApiClient, RunView } from './client.ts';
import { awaitRun } from './follow.ts';
import { enc } from './reads.ts';

type Format = 'text' | 'json';

/** A request or an approval that ran its promotion: the run followed to its outcome. */
export type Decided<T> = { ran: false; value: T } | { ran: true; outcome: PromotionOutcome | undefined };

async function decided<T>(
  api: ApiClient,
  res: { status: number; body: unknown },
  format: Format,
): Promise<Decided<T>> {
  if (res.status !== 202) return { ran: false, value: res.body as T };
  const outcome = await awaitRun<PromotionOutcome>(api, res.body as RunView, consoleEvents(format));
  return { ran: true, outcome };
}

export async function remotePromote(
  api: ApiClient,
  body: {
    service: string;
    from: string;
    to: string;
    version?: string | undefined;
    reason?: string | undefined;
    hotfix: boolean;
  },
  format: Format,
): Promise<Decided<PromotionRecord>> {
  const res = await api.post<unknown>('/promotions', {
    service: body.service,
    from: body.from,
    to: body.to,
    ...(body.version ? { version: body.version } : {}),
    ...(body.reason ? { reason: body.reason } : {}),
    ...(body.hotfix ? { hotfix: true } : {}),
  });
  return await decided<PromotionRecord>(api, res, format);
}

export async function remoteApprove(
  api: ApiClient,
  id: number,
  comment: string | undefined,
  format: Format,
): Promise<Decided<PromotionView>> {
  const res = await api.post<unknown>(`/promotions/${id}/approve`, comment ? { comment } : {});
  return await decided<PromotionView>(api, res, format);
}

export async function remoteReject(api: ApiClient, id: number, reason: string): Promise<PromotionView> {
  return (await api.post<PromotionView>(`/promotions/${id}/reject`, { reason })).body;
}

/** The promotions of these statuses with their approvals (one more call each, as the CLI lists few). */
export async function remotePromotions(
  api: ApiClient,
  status: readonly PromotionStatus[],
  to: string | undefined,
): Promise<PromotionView[]> {
  const q = new URLSearchParams({ status: status.join(','), ...(to ? { to } : {}) });
  const list = await api.get<PromotionRecord[]>(`/promotions?${q}`);
  return await Promise.all(list.map((p) => api.get<PromotionView>(`/promotions/${p.id}`)));
}

export interface FreezeList {
  environment: string;
  inForce: ActiveFreeze | null;
  declared: DeclaredFreeze[];
}

export async function remoteFreezeList(api: ApiClient, envs: string[]): Promise<FreezeList[]> {
  const all: FreezeList[] = [];
  for (const environment of envs) {
    const f = await api.get<{ inForce: ActiveFreeze | null; declared: DeclaredFreeze[] }>(
      `/environments/${enc(environment)}/freezes`,
    );
    all.push({ environment, ...f });
  }
  return all;
}

export async function remoteDeclareFreeze(
  api: ApiClient,
  env: string | undefined,
  input: { reason: string; duration?: string | undefined },
): Promise<DeclaredFreeze[]> {
  const body = { reason: input.reason, ...(input.duration ? { for: input.duration } : {}) };
  if (env === undefined) return (await api.post<DeclaredFreeze[]>('/freezes', body)).body;
  return [(await api.post<DeclaredFreeze>(`/environments/${enc(env)}/freezes`, body)).body];
}

/** The API's answer for one environment lists the lifted freezes only (no note on the cluster's). */
export type Lifted = Pick<LiftedFreezes, 'environment' | 'lifted' | 'clusterNote'>;

export async function remoteLiftFreezes(
  api: ApiClient,
  env: string | undefined,
  reason: string,
): Promise<Lifted[]> {
  if (env === undefined) return (await api.post<LiftedFreezes[]>('/unfreeze', { reason })).body;
  const lifted = (await api.post<LiftedFreezes['lifted']>(`/environments/${enc(env)}/unfreeze`, { reason }))
    .body;
  return [{ environment: env, lifted }];
}

/** Who may approve, from the platform directory; said plainly when this directory has none. */
export function mayApproveFrom(
  platform: LoadedPlatform | undefined,
  p: PromotionRecord,
  whoMayApprove: (ctx: { platform: LoadedPlatform }, p: PromotionRecord) => string,
): string {
  return platform ? whoMayApprove({ platform }, p) : '(see slipway.yaml roles)';
}
