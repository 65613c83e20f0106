// A plan report as Markdown, for a pull request's description or a CI comment: the plan per service
// (a table), the manifest diff (one collapsed block per object), the policy findings and the capacity
// before and after. Pure; the same text for `slipway plan --format markdown` and the description of
// `slipway promote --pull-request`.
import type { CapacityFigure, Scenario } from '../policy/capacity.ts';
import { formatMemory, formatMillis } from '../policy/quantity.ts';
import type { EnvironmentPlan } from './plan.ts';
import type { PlanReport } from './plan-report.ts';

/** Diffs stop being shown past this many characters (forges cap a description near 65,536). */
export const MAX_DIFF_CHARS = 40_000;

const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function planTable(plan: EnvironmentPlan): string[] {
  if (plan.services.length === 0) return ['No services in the desired state.'];
  const lines = ['| service | action | version | replicas |', '| --- | --- | --- | --- |'];
  for (const s of plan.services) {
    const version =
      s.version.from === s.version.to
        ? (s.version.to ?? '')
        : `${s.version.from ?? '—'} → ${s.version.to ?? '—'}`;
    const chart = !s.chart
      ? ''
      : s.chart.from === s.chart.to || s.action === 'install'
        ? ` (chart ${s.chart.to})`
        : ` (chart ${s.chart.from ?? 'unpinned'} → ${s.chart.to ?? 'unpinned'})`;
    const replicas =
      s.replicas === undefined
        ? ''
        : s.replicas.from === s.replicas.to
          ? String(s.replicas.to ?? 'auto')
          : `${s.replicas.from ?? '—'} → ${s.replicas.to ?? 'auto'}`;
    lines.push(`| ${cell(s.service)} | ${s.action} | ${cell(version + chart)} | ${replicas} |`);
  }
  const c = plan.counts;
  lines.push(
    '',
    plan.changes
      ? `${c.install} to install, ${c.update} to update, ${c.drift} drifted, ${c['in-sync']} in sync${c.unmanaged ? `, ${c.unmanaged} not in the desired state` : ''}.`
      : `Nothing to do: ${c['in-sync']} in sync.`,
  );
  const details = plan.services.filter((s) => s.action !== 'in-sync');
  if (details.length > 0) lines.push('', ...details.map((s) => `- ${s.summary}`));
  return lines;
}

function diffSection(report: PlanReport): string[] {
  if (report.changes.length === 0) return ['No manifest changes.'];
  const out: string[] = [];
  let used = 0;
  let left = 0;
  for (const c of report.changes) {
    if (used + c.diff.length > MAX_DIFF_CHARS) {
      left++;
      continue;
    }
    used += c.diff.length;
    out.push(
      '<details>',
      `<summary>${c.service}: ${c.key} (${c.action})</summary>`,
      '',
      '```diff',
      c.diff.trimEnd(),
      '```',
      '',
      '</details>',
    );
  }
  if (left > 0)
    out.push(
      '',
      `${left} more object${left === 1 ? '' : 's'} changed; \`slipway plan --verbose\` lists them, \`slipway diff\` shows them.`,
    );
  return out;
}

function findingsSection(report: PlanReport): string[] {
  if (report.findings.length === 0) return ['No findings.'];
  const lines = ['| severity | service | object | check | message |', '| --- | --- | --- | --- | --- |'];
  for (const f of report.findings) {
    const severity = f.waived ? `waived (${f.waived.reason})` : f.severity;
    const object = f.path ? `${f.object} \`${f.path}\`` : f.object;
    lines.push(
      `| ${cell(severity)} | ${cell(f.service)} | ${cell(object)} | ${cell(f.checkId)} | ${cell(f.message)} |`,
    );
  }
  return lines;
}

const TITLES: Record<Scenario, string> = {
  steady: 'at rest',
  release: 'during releases',
  hpaMax: 'at the autoscalers’ maximum',
};

function change(a: string, b: string): string {
  return a === b ? a : `${a} → ${b}`;
}

function capacitySection(report: PlanReport): string[] {
  const { before, after } = report.capacity;
  const lines = [
    '| | pods | CPU request | memory request | CPU limit | memory limit |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const lim = (v: number | null, f: (n: number) => string) => (v === null ? 'unbounded' : f(v));
  for (const sc of ['steady', 'release', 'hpaMax'] as const) {
    const a: CapacityFigure = before.totals[sc];
    const b: CapacityFigure = after.totals[sc];
    lines.push(
      `| ${TITLES[sc]} | ${change(String(a.pods), String(b.pods))} | ${change(formatMillis(a.requests.cpu), formatMillis(b.requests.cpu))} | ${change(formatMemory(a.requests.memory), formatMemory(b.requests.memory))} | ${change(lim(a.limits.cpu, formatMillis), lim(b.limits.cpu, formatMillis))} | ${change(lim(a.limits.memory, formatMemory), lim(b.limits.memory, formatMemory))} |`,
    );
  }
  return lines;
}

/** The report as Markdown, under a `## Plan for <env>` title. */
export function formatPlanMarkdown(report: PlanReport): string {
  const plan = report.plan;
  const out: string[] = [`## Plan for ${plan.environment} (namespace ${plan.namespace})`, ''];
  if (report.offline) out.push(`> Note: ${report.offline}; it is compared with nothing running.`, '');
  out.push(...planTable(plan));
  out.push('', '### Manifest diff', '', 'Rendered manifests against the last applied release.', '');
  out.push(...diffSection(report));
  out.push('', '### Policy findings', '', ...findingsSection(report));
  out.push(
    '',
    '### Capacity',
    '',
    'Totals of the services above, as last applied → as desired.',
    '',
    ...capacitySection(report),
  );
  return `${out.join('\n')}\n`;
}
