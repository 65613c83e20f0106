// The reading commands through the API: status, history and the audit log, in the shapes the local
// commands print (their printers take these answers as they are). A few texts name environments or
// approvers the API does not list; those come from the platform directory when there is one.
import { type LoadedPlatform, loadPlatform } from '../../config/load.ts';
import type { ReleaseRecord } from '../../release/history.ts';
import { SlipwayError, usageError } from '../../shared/errors.ts';
import type { AuditRecord } from '../../store/types.ts';
import type { StatusRow } from '../commands/status.ts';
import type { ApiClient } from './client.ts';

export const enc = encodeURIComponent;

type GlobalsCommand = { optsWithGlobals(): unknown };

/** The platform of the directory (-C), when it has one; a remote command never needs it. */
export async function localPlatform(command: GlobalsCommand): Promise<LoadedPlatform | undefined> {
  try {
    return await loadPlatform((command.optsWithGlobals() as { dir?: string }).dir ?? '.');
  } catch {
    return undefined;
  }
}

/** The environments a command without --env covers: the platform directory's, in its order. */
export async function environmentsOf(command: GlobalsCommand, what: string): Promise<string[]> {
  const platform = await localPlatform(command);
  if (!platform)
    throw usageError(`${what} through a server needs --env here: this directory has no slipway.yaml`, {
      hint: 'Give --env <env>, or run in (or -C) the platform directory to cover all its environments.',
    });
  return platform.environments.map((e) => e.name);
}

/**
 * Every environment's status, in order. Interrupted releases are not finished from here: the server's
 * release workers resume them. An environment that cannot be read is a row, as locally; a refused
 * token is the command's error.
 */
export async function remoteStatus(
  api: ApiClient,
  command: GlobalsCommand,
  env: string | undefined,
): Promise<StatusRow[]> {
  const envs = env ? [env] : await environmentsOf(command, 'status');
  const rows: StatusRow[] = [];
  for (const environment of envs) {
    try {
      rows.push(...(await api.get<StatusRow[]>(`/environments/${enc(environment)}/status`)));
    } catch (e) {
      // The server itself not answering, or refusing the token, is the command's error; an
      // environment the server cannot read is a row, as locally.
      if (e instanceof SlipwayError && (e.type === 'unauthenticated' || e.data?.['serverUnreachable']))
        throw e;
      rows.push({ environment, unreachable: e instanceof Error ? e.message : String(e) });
    }
  }
  return rows;
}

export async function remoteHistory(api: ApiClient, service: string, env: string): Promise<ReleaseRecord[]> {
  return await api.get<ReleaseRecord[]>(`/environments/${enc(env)}/services/${enc(service)}/history`);
}

export async function remoteAudit(api: ApiClient, query: Record<string, string>): Promise<AuditRecord[]> {
  const q = new URLSearchParams(query).toString();
  return await api.get<AuditRecord[]>(`/audit${q ? `?${q}` : ''}`);
}
