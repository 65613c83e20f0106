// Lint reports as text and as SARIF 2.1.0 (for GitHub code scanning and other SARIF viewers). Pure:
// strings and plain data in, strings and plain data out.
import { CHECKS } from './catalogue.ts';
import type { LintReport } from './lint.ts';
import type { Finding, Severity } from './types.ts';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
const DEFAULT_PLATFORM_FILE = 'slipway.yaml';

function where(f: Finding): string {
  if (!f.source) return '';
  return ` (${f.source.file}${f.source.line !== undefined ? `:${f.source.line}` : ''})`;
}

export interface TextStyle {
  severity(s: Severity | 'waived', text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const PLAIN: TextStyle = { severity: (_s, t) => t, dim: (t) => t, bold: (t) => t };

/** One line per finding, `severity id name object path — message (file:line)`. */
export function formatFinding(f: Finding, style: TextStyle = PLAIN): string {
  const sev = f.waived ? 'waived' : f.severity;
  const head = style.severity(sev, sev.padEnd(7));
  const path = f.path ? ` ${f.path}` : '';
  const waived = f.waived ? style.dim(` [waived: ${f.waived.reason}]`) : '';
  return `${head} ${f.checkId} ${f.checkName} ${f.object}${path} — ${f.message}${style.dim(where(f))}${waived}`;
}

/** Grouped by environment, then service; a summary line at the end. */
export function formatText(report: LintReport, style: TextStyle = PLAIN): string {
  const lines: string[] = [];
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  for (const env of report.environments) {
    const envFindings = report.findings.filter((f) => f.environment === env.name);
    lines.push(style.bold(`${env.name} (policy ${env.level})`));
    if (envFindings.length === 0) {
      lines.push('  no findings');
      continue;
    }
    const services = [...new Set(envFindings.map((f) => f.service))];
    for (const service of services) {
      lines.push(`  ${style.bold(service)}`);
      const fs = envFindings
        .filter((f) => f.service === service)
        .sort(
          (a, b) =>
            Number(!!a.waived) - Number(!!b.waived) ||
            rank[a.severity] - rank[b.severity] ||
            (a.checkId < b.checkId ? -1 : a.checkId > b.checkId ? 1 : 0),
        );
      for (const f of fs) lines.push(`    ${formatFinding(f, style)}`);
    }
  }
  const s = report.summary;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  lines.push(
    `${report.ok ? 'passed' : 'failed'}: ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${s.infos} info, ${s.waived} waived in ${plural(report.environments.length, 'environment')}`,
  );
  return `${lines.join('\n')}\n`;
}

const SARIF_LEVEL: Record<Severity | 'off', 'error' | 'warning' | 'note' | 'none'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
  off: 'none',
};

/** A SARIF 2.1.0 log: one run, the catalogue as rules, one result per finding (waived ones suppressed). */
export function toSarif(report: LintReport, o: { version?: string } = {}): Record<string, unknown> {
  const ruleIndex = new Map(CHECKS.map((c, i) => [c.id, i]));
  const rules = CHECKS.map((c) => ({
    id: c.id,
    name: c.name,
    shortDescription: { text: `${c.name}: ${c.rationale}` },
    fullDescription: { text: c.rationale },
    help: { text: c.remedy },
    defaultConfiguration: { level: SARIF_LEVEL[c.severity.standard] },
    properties: {
      category: c.category,
      severity: c.severity,
      ...(c.valuesPath ? { valuesPath: c.valuesPath } : {}),
      tags: [c.category],
    },
  }));
  const platformFile = report.platformFile ?? DEFAULT_PLATFORM_FILE;
  const results = report.findings.map((f) => {
    const region: Record<string, number> = {};
    if (f.source?.line !== undefined) region.startLine = f.source.line;
    if (f.source?.line !== undefined && f.source.column !== undefined) region.startColumn = f.source.column;
    const physicalLocation: Record<string, unknown> = {
      artifactLocation: { uri: encodeURI(f.source?.file ?? platformFile), uriBaseId: 'PLATFORM' },
    };
    if (Object.keys(region).length > 0) physicalLocation.region = region;
    const logicalLocations: Array<Record<string, unknown>> = [
      { fullyQualifiedName: f.object, name: f.object.split('/').pop(), kind: 'resource' },
    ];
    if (f.path)
      logicalLocations.push({ fullyQualifiedName: `${f.object}#${f.path}`, name: f.path, kind: 'property' });
    const result: Record<string, unknown> = {
      ruleId: f.checkId,
      ruleIndex: ruleIndex.get(f.checkId) ?? -1,
      level: SARIF_LEVEL[f.severity],
      message: { text: `${f.message} (${f.service} in ${f.environment})` },
      locations: [{ physicalLocation, logicalLocations }],
      properties: {
        service: f.service,
        environment: f.environment,
        checkName: f.checkName,
        ...(f.source ? { valuesKey: f.source.key } : {}),
      },
    };
    if (f.waived)
      result.suppressions = [{ kind: 'external', state: 'accepted', justification: f.waived.reason }];
    return result;
  });
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'slipway',
            ...(o.version ? { version: o.version, semanticVersion: o.version } : {}),
            rules,
          },
        },
        originalUriBaseIds: {
          PLATFORM: { description: { text: 'The platform directory (the one holding slipway.yaml).' } },
        },
        results,
        columnKind: 'unicodeCodePoints',
        properties: { environments: report.environments, summary: report.summary },
      },
    ],
  };
}
