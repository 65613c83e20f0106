// The vocabulary of the release engine: requests, the events a caller sees live, and the strategy
// executor interface that rolling (and later canary and blue-green) plug into. Types only.
import type { LoadedPlatform } from '../config/load.ts';
import type { ServiceConfig, Strategy } from '../config/schema.ts';
import type { ValueOverrides } from '../config/values.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import type { ReleaseHistory, ReleaseRecord, ReleaseStep } from './history.ts';

export interface DeployRequest {
  platform: LoadedPlatform;
  service: string;
  environment: string;
  overrides?: ValueOverrides;
  user: string;
  reason?: string;
  /** Overall timeout of tracking (default: the strategy's `timeout`, else 10 minutes). */
  timeoutMs?: number;
  /** Render, lint and diff only: no lock, no record, nothing applied. */
  dryRun?: boolean;
}

export interface RollbackRequest {
  platform: LoadedPlatform;
  service: string;
  environment: string;
  /** The revision to copy; default the newest good one before the one running. */
  toRevision?: number;
  user: string;
  reason?: string;
  timeoutMs?: number;
}

export interface ResumeRequest {
  platform: LoadedPlatform;
  service: string;
  environment: string;
  user: string;
  timeoutMs?: number;
}

/** One pod of a workload as tracking sees it. */
export interface PodProgress {
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  /** Waiting/terminated reason (CrashLoopBackOff, Error…) or the last probe failure. */
  reason?: string;
  /** Whether the pod belongs to the workload's newest ReplicaSet. */
  isNew: boolean;
}

/** The rollout progress of one workload, like one line of `kubectl rollout status`. */
export interface ObjectProgress {
  kind: string;
  name: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  /** All pods the workload runs, old ones included. */
  total: number;
  done: boolean;
  message: string;
  pods: PodProgress[];
}

export interface ReleaseEvents {
  /** A step started (no endedAt) or ended (endedAt and outcome set). */
  step(s: ReleaseStep): void;
  progress(p: ObjectProgress[]): void;
  log(line: string): void;
}

export const silentEvents: ReleaseEvents = { step() {}, progress() {}, log() {} };

/** Everything a strategy needs to plan (pure) and to execute (through the client). */
export interface StrategyContext {
  client: KubeClient;
  /** The platform being released (analysis templates, environments…). */
  platform?: LoadedPlatform;
  history: ReleaseHistory;
  namespace: string;
  service: string;
  serviceConfig: ServiceConfig;
  strategy: Strategy;
  /** The release being carried out (status pending). */
  release: ReleaseRecord;
  /** The newest good revision before this one: what an atomic failure returns to. */
  previous: ReleaseRecord | undefined;
  /** The objects this release applies (ownership labels set). */
  manifests: KubeObject[];
  /** Absolute deadline (ms since epoch) for the whole release. */
  deadline: number;
  events: ReleaseEvents;
  signal?: AbortSignal;
}

/** One planned step: a name shown to users and written to the record, and strategy-private data. */
export interface PlannedStep {
  name: string;
  detail?: string;
  data?: Record<string, unknown>;
}

/**
 * A strategy: `plan` is pure (the steps from the context, no I/O), `execute` carries out one step
 * through the client and throws a ReleaseFailure (see failure.ts) when the release must be rolled
 * back. The engine writes each step to the release record before calling `execute`, so a crashed
 * release can be resumed from its record; every step must therefore be safe to run again.
 */
export interface StrategyExecutor {
  readonly type: Strategy['type'];
  plan(ctx: Omit<StrategyContext, 'client' | 'history' | 'events' | 'signal'>): PlannedStep[];
  /** Answers a detail line for the record (optional). */
  execute(step: PlannedStep, ctx: StrategyContext): Promise<string | undefined>;
}
