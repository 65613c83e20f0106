// One container of a pod: a real process (mapped image) or a simulation, its probes, restarts with
// the kubelet's exponential back-off, and the containerStatus it reports.
import { constants } from 'node:os';
import type { KubeObject } from '../../shared/kube-types.ts';
import { nowIso, type Obj } from '../controllers/util.ts';
import { EnvError, expandVars } from './env.ts';
import { LogSink, logFile } from './logs.ts';
import { type Probe, type ProbeTarget, ProbeWorker } from './probes.ts';
import { cpuSeconds, type ImageMapping, type Spawned, spawnGroup, terminateGroup } from './process.ts';

export interface ContainerContext {
  pod: KubeObject;
  ip: string;
  logDir: string;
  mapping: ImageMapping | undefined;
  defaultCwd: string;
  restartPolicy: string;
  backoffBaseMs: number;
  backoffMaxMs: number;
  buildEnv: (container: Obj) => Record<string, string>;
  onChange: () => void;
  onPids: () => void;
  event: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
}

type State =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: Terminated };

interface Terminated {
  exitCode: number;
  reason: string;
  startedAt?: string;
  finishedAt: string;
  containerID?: string;
  signal?: number;
}

const CONFIG_RETRY_MS = 2_000;

export class ContainerRuntime {
  readonly name: string;
  readonly image: string;
  restartCount = 0;
  state: State = { waiting: { reason: 'ContainerCreating' } };
  lastState: { terminated?: Terminated } = {};
  ready = false;
  started = false;
  /** No more restarts: the container finished under restartPolicy Never/OnFailure. */
  finished = false;
  everStarted = false;
  proc: Spawned | undefined;
  private sink: LogSink | undefined;
  private probes: ProbeWorker[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private backoffStep = 0;
  private startedAtMs = 0;
  private containerId = '';

  constructor(
    readonly spec: Obj,
    private readonly ctx: ContainerContext,
  ) {
    this.name = String(spec.name);
    this.image = String(spec.image ?? '');
  }

  get simulated(): boolean {
    return this.ctx.mapping === undefined;
  }

  start(): void {
    if (this.stopping) return;
    this.ready = false;
    this.started = false;
    const startedAt = nowIso();
    this.startedAtMs = Date.now();
    this.containerId = `local://${this.ctx.pod.metadata.uid}/${this.name}/${this.restartCount}`;
    if (this.ctx.mapping) {
      let env: Record<string, string>;
      try {
        env = this.ctx.buildEnv(this.spec);
      } catch (e) {
        if (!(e instanceof EnvError)) throw e;
        this.state = { waiting: { reason: 'CreateContainerConfigError', message: e.message } };
        this.ctx.event('Warning', 'Failed', `Error: ${e.message}`);
        this.ctx.onChange();
        this.later(() => this.start(), CONFIG_RETRY_MS);
        return;
      }
      const m = this.ctx.mapping;
      this.sink = new LogSink(this.logPath(this.restartCount));
      const args = m.passArgs
        ? ((this.spec.args as unknown[] | undefined) ?? []).map((a) => expandVars(String(a), env))
        : [];
      const proc = spawnGroup([...m.command, ...args], env, m.cwd ?? this.ctx.defaultCwd);
      this.proc = proc;
      proc.child.stdout?.on('data', (b: Buffer) => this.sink?.write(b));
      proc.child.stderr?.on('data', (b: Buffer) => this.sink?.write(b));
      proc.child.on('error', (e) => this.sink?.write(`failed to start: ${e.message}\n`));
      void proc.exited.then((r) => this.onExit(r.code, r.signal, startedAt));
      this.ctx.onPids();
    } else if (this.ctx.restartPolicy !== 'Always') {
      // A simulated run-to-completion container (a Job's) succeeds after its initial delays.
      const delay = Math.max(1_000, this.initialDelayMs());
      this.later(() => this.onExit(0, null, startedAt), delay);
    }
    this.everStarted = true;
    this.state = { running: { startedAt } };
    if (this.restartCount === 0) {
      this.ctx.event('Normal', 'Pulled', `Container image "${this.image}" already present on machine`);
    }
    this.ctx.event('Normal', 'Created', `Created container ${this.name}`);
    this.ctx.event('Normal', 'Started', `Started container ${this.name}`);
    this.startProbes();
    this.ctx.onChange();
  }

  private initialDelayMs(): number {
    const s = this.spec.startupProbe as Probe | undefined;
    const r = this.spec.readinessProbe as Probe | undefined;
    return ((s?.initialDelaySeconds ?? 0) + (r?.initialDelaySeconds ?? 0)) * 1000;
  }

  private target = (): ProbeTarget => ({
    ip: this.ctx.ip,
    ports: (this.spec.ports as ProbeTarget['ports'] | undefined) ?? [],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    cwd: this.ctx.mapping?.cwd ?? this.ctx.defaultCwd,
  });

  private startProbes(): void {
    const sim = this.simulated;
    const startup = this.spec.startupProbe as Probe | undefined;
    const readiness = this.spec.readinessProbe as Probe | undefined;
    const liveness = this.spec.livenessProbe as Probe | undefined;
    const afterStarted = () => {
      this.started = true;
      if (readiness) {
        this.addProbe(readiness, sim, (ok, r, changed) => {
          if (!ok) this.ctx.event('Warning', 'Unhealthy', `Readiness probe failed: ${r.message}`);
          if (changed) {
            this.ready = ok;
            this.ctx.onChange();
          }
        });
      } else {
        this.ready = true;
      }
      if (liveness && !sim) {
        this.addProbe(liveness, sim, (ok, r, changed) => {
          if (!ok) this.ctx.event('Warning', 'Unhealthy', `Liveness probe failed: ${r.message}`);
          if (changed && !ok) this.restartForProbe('liveness');
        });
      }
      this.ctx.onChange();
    };
    if (startup) {
      this.addProbe(startup, sim, (ok, r, changed) => {
        if (!ok) this.ctx.event('Warning', 'Unhealthy', `Startup probe failed: ${r.message}`);
        if (!changed) return;
        if (ok) {
          for (const p of this.probes) p.stop();
          this.probes = [];
          afterStarted();
        } else {
          this.restartForProbe('startup');
        }
      });
    } else {
      afterStarted();
    }
  }

  private addProbe(probe: Probe, sim: boolean, on: ConstructorParameters<typeof ProbeWorker>[2]): void {
    const w = new ProbeWorker(probe, this.target, on, sim);
    this.probes.push(w);
    w.start();
  }

  private stopProbes(): void {
    for (const p of this.probes) p.stop();
    this.probes = [];
  }

  private restartForProbe(which: 'liveness' | 'startup'): void {
    const proc = this.proc;
    if (!proc || this.stopping) return;
    this.ctx.event('Normal', 'Killing', `Container ${this.name} failed ${which} probe, will be restarted`);
    this.stopProbes();
    void terminateGroup(proc, this.graceMs());
  }

  private graceMs(): number {
    const s = (this.ctx.pod.spec as Obj | undefined)?.terminationGracePeriodSeconds;
    return (typeof s === 'number' ? s : 30) * 1000;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, startedAt: string): void {
    this.stopProbes();
    this.sink?.close();
    this.sink = undefined;
    this.proc = undefined;
    this.ready = false;
    this.started = false;
    this.ctx.onPids();
    const signo = signal ? (constants.signals[signal] ?? 9) : undefined;
    const exitCode = code ?? 128 + (signo ?? 9);
    const t: Terminated = {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: nowIso(),
      containerID: this.containerId,
      ...(signo !== undefined ? { signal: signo } : {}),
    };
    if (this.stopping) {
      this.state = { terminated: t };
      this.ctx.onChange();
      return;
    }
    const policy = this.ctx.restartPolicy;
    const restart = policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
    if (!restart) {
      this.state = { terminated: t };
      this.finished = true;
      this.ctx.onChange();
      return;
    }
    this.lastState = { terminated: t };
    if (Date.now() - this.startedAtMs > 2 * this.ctx.backoffMaxMs) this.backoffStep = 0;
    const delay =
      this.backoffStep === 0
        ? 0
        : Math.min(this.ctx.backoffBaseMs * 2 ** (this.backoffStep - 1), this.ctx.backoffMaxMs);
    this.backoffStep++;
    const restartNow = () => {
      this.restartCount++;
      this.start();
    };
    if (delay === 0) {
      restartNow();
      return;
    }
    const pod = this.ctx.pod.metadata;
    this.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${formatDuration(delay)} restarting failed container=${this.name} pod=${pod.name}_${pod.namespace}(${pod.uid})`,
      },
    };
    this.ctx.event(
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${this.name} in pod ${pod.name}_${pod.namespace}(${pod.uid})`,
    );
    this.ctx.onChange();
    this.later(restartNow, delay);
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Stops for good (pod deletion or cluster stop): SIGTERM, SIGKILL after graceMs. */
  async terminate(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.stopProbes();
    this.ready = false;
    const proc = this.proc;
    if (proc) {
      this.ctx.event('Normal', 'Killing', `Stopping container ${this.name}`);
      await terminateGroup(proc, graceMs);
    } else if (!('terminated' in this.state)) {
      this.state = { terminated: { exitCode: 0, reason: 'Completed', finishedAt: nowIso() } };
    }
  }

  cpuSeconds(): number | undefined {
    return this.proc ? cpuSeconds(this.proc.pid) : undefined;
  }

  logPath(instance: number): string {
    const m = this.ctx.pod.metadata;
    return logFile(this.ctx.logDir, m.namespace ?? 'default', m.name ?? '', this.name, instance);
  }

  status(): Obj {
    const s: Obj = {
      name: this.name,
      image: this.image,
      imageID: this.image,
      ready: this.ready,
      started: this.started,
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastState,
    };
    if (this.everStarted) s.containerID = this.containerId;
    return s;
  }
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  return `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}
