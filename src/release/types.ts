// The vocabulary of the release engine: requests, the events a caller sees live, and the strategy
// executor interface that rolling, canary and blue-green implement. Types only.
import type { MeasurementRecord } from '../analysis/run.ts';
import type { LoadedPlatform } from '../config/load.ts';
import type { ServiceConfig, Strategy } from '../config/schema.ts';
import type { ValueOverrides } from '../config/values.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import type { ReleaseHistory, ReleaseRecord, ReleaseStep } from './history.ts';
import type { AnalysisOptions } from './strategies/canary-runtime.ts';

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
  /**
   * An interrupted release of another version (or other values) is rolled back first, as
   * `slipway abort` does; without it such a deploy refuses (the same version resumes it).
   */
  replace?: boolean;
  /** Analysis providers, metrics URL and measurement callback (tests, the demo); default built-in. */
  analysis?: AnalysisOptions;
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
  analysis?: AnalysisOptions;
}

export interface ResumeRequest {
  platform: LoadedPlatform;
  service: string;
  environment: string;
  user: string;
  timeoutMs?: number;
  analysis?: AnalysisOptions;
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
  /** One analysis measurement, as the runner judged it (the dashboard tables them); optional. */
  measurement?(m: MeasurementRecord): void;
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
  /** How analysis runs (providers, metrics URL, callbacks); the platform's templates come from it. */
  analysis?: AnalysisOptions;
}

/** What a strategy plans from: the context without the client, the history and live callbacks. */
export type PlanContext = Omit<StrategyContext, 'client' | 'history' | 'events' | 'signal' | 'analysis'>;

/** One planned step: a name shown to users and written to the record, and strategy-private data. */
export interface PlannedStep {
  name: string;
  detail?: string;
  data?: Record<string, unknown>;
  /**
   * Once this step has started, what runs may have changed: a later failure must restore the previous
   * revision (the engine re-applies it, or the strategy does when it `restoresItself`). Steps before
   * it (pre-deploy hooks) change no workload, so their failure leaves nothing to undo.
   */
  changesWorkloads?: boolean;
}

/**
 * A strategy: `plan` is pure (the steps from the context, no I/O), `execute` carries out one step
 * through the client and throws a ReleaseFailure (see failure.ts) when the release must be rolled
 * back. The engine writes each step to the release record before calling `execute`, so a crashed
 * release can be resumed from its record; every step must therefore be safe to run again.
 */
export interface StrategyExecutor {
  readonly type: Strategy['type'];
  /**
   * The strategy puts the previous revision back in service itself when a step fails (blue-green
   * switches the active Service back); the engine then does not re-apply the previous manifests.
   */
  readonly restoresItself?: boolean;
  plan(ctx: PlanContext): PlannedStep[];
  /** Answers a detail line for the record (optional). */
  execute(step: PlannedStep, ctx: StrategyContext): Promise<string | undefined>;
}
