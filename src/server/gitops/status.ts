// The shapes of GitOps sync status (GET /api/v1/environments/{env}/sync) and small helpers of the
// controller: how an error reads in a status, a repository URL without its credentials, a run's end.
import { SlipwayError } from '../../shared/errors.ts';
import type { Run } from '../runs.ts';
import type { DriftEntry } from './drift.ts';

export const SYNC_STATES = ['synced', 'out-of-sync', 'syncing', 'failed'] as const;
export type SyncState = (typeof SYNC_STATES)[number];
export type SyncTrigger = 'start' | 'poll' | 'webhook' | 'retry' | 'self-heal';

export interface SyncAttempt {
  commit: string;
  trigger: SyncTrigger;
  at: string;
  endedAt?: string;
  outcome: 'succeeded' | 'failed';
  /** The services applied (empty: nothing to do). */
  services: string[];
  run?: string;
  error?: string;
}

export interface SyncStatus {
  environment: string;
  autoDeploy: boolean;
  selfHeal: boolean;
  state: SyncState;
  repository: string;
  branch: string;
  /** The newest commit of the branch seen, and the one whose platform is loaded. */
  commit: string | null;
  subject: string | null;
  /** When the branch was last fetched. */
  fetchedAt: string | null;
  /** The newest commit this environment was synced to without failure. */
  syncedCommit: string | null;
  lastAttempt: SyncAttempt | null;
  /** Services whose desired state differs from their last release (`plan` summaries). */
  outOfSync: string[];
  drift: DriftEntry[];
  driftCheckedAt: string | null;
  /** Why the newest commit could not be fetched or loaded. */
  error?: string;
}

export const message = (e: unknown) =>
  e instanceof SlipwayError
    ? [e.message, ...e.details].join(': ')
    : e instanceof Error
      ? e.message
      : String(e);

/** The URL without user:password@, for status and logs. */
export const shown = (url: string) => url.replace(/\/\/[^/@]*@/, '//');

export function ended(run: Run): Promise<void> {
  if (run.done) return Promise.resolve();
  return new Promise((resolve) => {
    const off = run.subscribe((e) => {
      if (e.type === 'end') {
        off();
        resolve();
      }
    });
  });
}
