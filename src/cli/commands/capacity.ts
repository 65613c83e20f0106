// `slipway capacity --env E [--format text|json]`: pods and CPU/memory requests and limits per service
// and in total, at rest, at the peak of each service's release strategy, and at the HPA maximum.
import type { Command } from '@commander-js/extra-typings';
import Table from 'cli-table3';
import { loadPlatform } from '../../config/load.ts';
import { strategyFor } from '../../config/model.ts';
import {
  type CapacityFigure,
  type CapacityReport,
  computeCapacity,
  type Scenario,
} from '../../policy/capacity.ts';
import { formatMemory, formatMillis, humanCpu, humanMemory } from '../../policy/quantity.ts';
import { renderPlatform } from '../../render/platform.ts';
import { color, parseOutputFormat, printJson } from '../output.ts';

const TITLES: Record<Scenario, string> = {
  steady: 'At rest',
  release: "During releases (each service at its strategy's peak)",
  hpaMax: 'At the autoscalers’ maximum',
};

function lim(v: number | null, f: (n: number) => string): string {
  return v === null ? 'unbounded' : f(v);
}

function row(name: string, strategy: string, f: CapacityFigure, detail: boolean): string[] {
  return [
    name,
    strategy,
    detail && f.detail && f.detail !== String(f.pods) ? `${f.pods} (${f.detail})` : String(f.pods),
    formatMillis(f.requests.cpu),
    formatMemory(f.requests.memory),
    lim(f.limits.cpu, formatMillis),
    lim(f.limits.memory, formatMemory),
  ];
}

export function formatCapacityText(r: CapacityReport): string {
  const out: string[] = [color.bold(`Capacity of ${r.environment}`), ''];
  for (const sc of ['steady', 'release', 'hpaMax'] as const) {
    const t = new Table({
      head: ['service', 'strategy', 'pods', 'CPU request', 'memory request', 'CPU limit', 'memory limit'],
      style: { head: [], border: [] },
    });
    for (const s of r.services) t.push(row(s.service, s.strategy, s[sc], true));
    const total = r.totals[sc];
    t.push(row('total', '', total, false));
    out.push(color.bold(TITLES[sc]), t.toString());
    out.push(
      `total: ${total.pods} pods, ${formatMillis(total.requests.cpu)} (${humanCpu(total.requests.cpu)}) CPU and ${formatMemory(total.requests.memory)} (${humanMemory(total.requests.memory)}) memory requested`,
      '',
    );
  }
  return `${out.join('\n')}`;
}

/** JSON shape: quantities as Kubernetes strings next to the raw numbers (millicores, bytes). */
export function capacityJson(r: CapacityReport): unknown {
  const fig = (f: CapacityFigure) => ({
    pods: f.pods,
    detail: f.detail,
    requests: {
      cpu: formatMillis(f.requests.cpu),
      memory: formatMemory(f.requests.memory),
      cpuMillis: f.requests.cpu,
      memoryBytes: f.requests.memory,
    },
    limits: {
      cpu: f.limits.cpu === null ? null : formatMillis(f.limits.cpu),
      memory: f.limits.memory === null ? null : formatMemory(f.limits.memory),
      cpuMillis: f.limits.cpu,
      memoryBytes: f.limits.memory,
    },
  });
  return {
    environment: r.environment,
    services: r.services.map((s) => ({
      service: s.service,
      strategy: s.strategy,
      replicas: s.replicas,
      steady: fig(s.steady),
      release: fig(s.release),
      hpaMax: fig(s.hpaMax),
    })),
    totals: { steady: fig(r.totals.steady), release: fig(r.totals.release), hpaMax: fig(r.totals.hpaMax) },
  };
}

export function registerCapacity(program: Command): void {
  program
    .command('capacity')
    .description(
      'pods and CPU/memory requests and limits of an environment: at rest, during each strategy, at HPA maximum',
    )
    .requiredOption('-e, --env <env>', 'environment')
    .option('-f, --format <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.format, ['text', 'json']);
      const globals = command.optsWithGlobals() as { dir?: string };
      const platform = await loadPlatform(globals.dir ?? '.');
      const rendered = await renderPlatform(platform, options.env);
      const report = computeCapacity({
        environment: options.env,
        services: rendered.map((r) => ({ ...r, strategy: strategyFor(platform, r.service) })),
      });
      if (format === 'json') printJson(capacityJson(report));
      else process.stdout.write(formatCapacityText(report));
    });
}
