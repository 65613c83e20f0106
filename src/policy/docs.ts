// docs/policy.md is generated from the catalogue so that the two never disagree; the policy-docs test
// fails when it is stale. Regenerate: node --import tsx src/policy/docs.ts
import { CHECKS } from './catalogue.ts';
import { GUARDED_KEYS } from './tighten.ts';

const CATEGORY_TITLES: Record<string, string> = {
  schema: 'Schema',
  security: 'Security',
  reliability: 'Reliability',
  resources: 'Resources',
  images: 'Images',
  network: 'Network and wiring',
  configuration: 'Configuration',
};

export function renderPolicyDoc(): string {
  const out: string[] = [];
  out.push(
    '# Policy checks',
    '',
    '<!-- Generated from src/policy/catalogue.ts by `node --import tsx src/policy/docs.ts`. Do not edit by hand. -->',
    '',
    '`slipway lint` renders every service of every environment and checks the manifests in three passes:',
    '',
    '1. **Schema validation** (`SLW-SCH-001`): every object against the Kubernetes schema of its kind',
    "   (kubernetes-models' validators for the built-in kinds, plus an unknown-field walk that rejects what",
    '   the API server would reject with strict field validation; small schemas of our own for',
    '   ServiceMonitor, VirtualService, DestinationRule and HTTPRoute; the bundled, trimmed CRDs of',
    "   External Secrets' ExternalSecret and Sealed Secrets' SealedSecret in src/policy/schemas/crds/).",
    '2. **Tighten-only** (`SLW-SEC-015`): the security settings established by `values.yaml` (falling back',
    '   to the chart defaults) may be tightened by the service, environment, service.environment, desired',
    '   state and flag layers, never loosened. Deleting a setting with `null` counts as loosening. Guarded keys:',
    `   ${GUARDED_KEYS.map(([k]) => `\`${k}\``).join(', ')}.`,
    "3. **The checks below**, each at the severity its environment's `policy` level gives it.",
    '',
    '```sh',
    'slipway lint                               # every environment at its own level',
    'slipway lint --env production --service booking',
    'slipway lint --format json                 # the findings',
    'slipway lint --format sarif > lint.sarif   # SARIF 2.1.0 for code scanning',
    '```',
    '',
    'Exit codes: 0 when no unwaived error-severity finding exists, 1 when one does, 2 for input errors',
    '(unknown environment or service, invalid values, an unknown check in a waiver).',
    '',
    'Each finding names the object and field path, and — when a values key controls the check — the',
    'values file and line that set it (`(values/booking.yaml:12)`), as `slipway values <svc> --env E --explain`',
    'would.',
    '',
    '## Levels',
    '',
    '`environments[].policy` in slipway.yaml is `relaxed`, `standard` (the default) or `strict`. Each check',
    'has a severity per level: `off`, `info`, `warning` or `error`. Only unwaived `error` findings fail.',
    '',
    '## Waivers',
    '',
    'A waiver turns a finding into `waived`, with its reason shown in every report (SARIF: a suppression):',
    '',
    '```yaml',
    'services:',
    '  backend:',
    '    waivers:',
    '      - check: no-cpu-limit          # id (SLW-RES-004) or name',
    '        reason: Document 004 sets CPU limits; kept as the document has them.',
    '        environments: [production]   # optional; default every environment',
    '```',
    '',
    'A waiver naming an unknown check, or one that cannot be waived (schema, tighten-only), is an error.',
    '',
    '## Catalogue',
    '',
    '| id | name | relaxed | standard | strict | values key |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const c of CHECKS) {
    out.push(
      `| [${c.id}](#${c.id.toLowerCase()}-${c.name}) | ${c.name} | ${c.severity.relaxed} | ${c.severity.standard} | ${c.severity.strict} | ${c.valuesPath ? `\`${c.valuesPath}\`` : '—'} |`,
    );
  }
  const categories = [...new Set(CHECKS.map((c) => c.category))];
  for (const cat of categories) {
    out.push('', `## ${CATEGORY_TITLES[cat] ?? cat}`);
    for (const c of CHECKS.filter((x) => x.category === cat)) {
      out.push(
        '',
        `### ${c.id} ${c.name}`,
        '',
        c.rationale,
        '',
        `- Fix: ${c.remedy}`,
        `- Severity: relaxed ${c.severity.relaxed}, standard ${c.severity.standard}, strict ${c.severity.strict}`,
      );
      if (c.valuesPath) out.push(`- Values key: \`${c.valuesPath}\``);
      if (c.waivable === false) out.push('- Cannot be waived.');
    }
  }
  return `${out.join('\n')}\n`;
}

if (process.argv[1]?.endsWith('/src/policy/docs.ts')) {
  const { writeFileSync } = await import('node:fs');
  const target = new URL('../../docs/policy.md', import.meta.url);
  writeFileSync(target, renderPolicyDoc());
  process.stdout.write(`wrote ${target.pathname}\n`);
}
