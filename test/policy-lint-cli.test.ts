// `slipway lint` end to end: every example passes in its production environment; a broken copy of an
// example (privileged, readiness probe disabled, image tag latest in a service values file) fails with
// the right ids, files and lines, in text, JSON and SARIF 2.1.0 (validated against the OASIS schema).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { loadPlatform } from '../src/config/load.ts';
import { CHECKS } from '../src/policy/catalogue.ts';
import { lintPlatform } from '../src/policy/lint.ts';
import { toSarif } from '../src/policy/report.ts';
import type { Finding } from '../src/policy/types.ts';

const root = new URL('..', import.meta.url).pathname;
const run = promisify(execFile);

async function slipway(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [join(root, 'bin/slipway.js'), ...args], {
      env: { ...process.env, SLIPWAY_FROM_SOURCE: '1', NO_COLOR: '1' },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    };
  }
}

function sarifValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('uri', (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s));
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  return ajv.compile(
    JSON.parse(readFileSync(join(root, 'test/fixtures/policy/sarif-schema-2.1.0.json'), 'utf8')),
  );
}

interface SarifResult {
  ruleId: string;
  level: string;
  locations: Array<{
    physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
    logicalLocations: Array<{ fullyQualifiedName: string }>;
  }>;
}

const PRODUCTION_READY: Array<[string, string]> = [
  ['appointments', 'production'],
  ['budget', 'production'],
  ['budget/canary', 'production'],
  ['ehealth', 'prod'],
  ['orders', 'production'],
  ['reservations', 'production'],
];

describe('slipway lint on the examples', () => {
  for (const [example, env] of PRODUCTION_READY) {
    it(`${example} passes in ${env}`, async () => {
      const p = await loadPlatform(join(root, 'examples', example));
      const report = await lintPlatform(p, { environments: [env] });
      const errors = report.findings.filter((f) => f.severity === 'error' && !f.waived);
      assert.deepEqual(errors, [], errors.map((f) => `${f.checkId} ${f.object} ${f.message}`).join('\n'));
      assert.equal(report.ok, true);
      const validate = sarifValidator();
      assert.ok(validate(toSarif(report, { version: '0.1.0' })), JSON.stringify(validate.errors, null, 2));
    });
  }
});

describe('slipway lint on a broken copy of examples/appointments', () => {
  let dir = '';
  const lines: Record<string, number> = {};
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-lint-'));
    cpSync(join(root, 'examples/appointments'), dir, { recursive: true });
    const file = join(dir, 'values/booking.yaml');
    const original = readFileSync(file, 'utf8');
    const base = original.split('\n').length - (original.endsWith('\n') ? 1 : 0);
    const extra = [
      '',
      'securityContext:',
      '  privileged: true',
      'probes:',
      '  readiness:',
      '    enabled: false',
      'image:',
      '  tag: latest',
      '',
    ];
    writeFileSync(file, `${original}${extra.join('\n')}`);
    lines.privileged = base + 3;
    lines.readiness = base + 6;
    lines.tag = base + 8;
    // The production desired state pins booking by version and digest (a later layer than the values
    // files); drop that entry so the values file's tag is what production would run.
    const desired = join(dir, 'environments/production.yaml');
    writeFileSync(desired, readFileSync(desired, 'utf8').replace(/ {2}booking:\n(?: {4}.*\n)+/, ''));
  });
  type Run = Awaited<ReturnType<typeof slipway>>;
  let json: Run;
  let text: Run;
  let sarif: Run;
  let badEnv: Run;
  let badFormat: Run;
  before(async () => {
    [json, text, sarif, badEnv, badFormat] = await Promise.all([
      slipway(['-C', dir, 'lint', '--env', 'production', '--format', 'json']),
      slipway(['-C', dir, 'lint', '--env', 'production', '--service', 'booking']),
      slipway(['-C', dir, 'lint', '--env', 'production', '--format', 'sarif']),
      slipway(['-C', dir, 'lint', '--env', 'nowhere']),
      slipway(['-C', dir, 'lint', '--format', 'xml']),
    ]);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fails with exit 1 and the right ids, files and lines (json)', () => {
    const r = json;
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { ok: boolean; findings: Finding[] };
    assert.equal(out.ok, false);
    const booking = out.findings.filter((f) => f.service === 'booking' && !f.waived);
    const at = (id: string) => booking.find((f) => f.checkId === id);
    assert.deepEqual(at('SLW-SEC-004')?.source, {
      file: 'values/booking.yaml',
      line: lines.privileged,
      column: 15,
      key: 'securityContext.privileged',
    });
    assert.equal(at('SLW-SEC-004')?.severity, 'error');
    assert.equal(at('SLW-SEC-004')?.path, 'spec.template.spec.containers[0].securityContext.privileged');
    assert.equal(at('SLW-SEC-015')?.source?.file, 'values/booking.yaml');
    assert.equal(at('SLW-SEC-015')?.source?.line, lines.privileged);
    assert.match(at('SLW-SEC-015')?.message ?? '', /service layer loosens/);
    assert.deepEqual(at('SLW-REL-001')?.source, {
      file: 'values/booking.yaml',
      line: lines.readiness,
      column: 14,
      key: 'probes.readiness.enabled',
    });
    assert.deepEqual(at('SLW-IMG-001')?.source, {
      file: 'values/booking.yaml',
      line: lines.tag,
      column: 8,
      key: 'image.tag',
    });
    assert.match(at('SLW-IMG-001')?.message ?? '', /latest/);
    // The other services are untouched.
    assert.deepEqual(
      out.findings.filter((f) => f.service !== 'booking' && f.severity === 'error'),
      [],
    );
  });

  it('prints grouped text with file:line and a summary', () => {
    const r = text;
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^production \(policy strict\)$/m);
    assert.match(
      r.stdout,
      new RegExp(
        `error {3}SLW-SEC-004 privileged Deployment/appointments-production/booking spec\\.template\\.spec\\.containers\\[0\\]\\.securityContext\\.privileged — the container is privileged \\(values/booking\\.yaml:${lines.privileged}\\)`,
      ),
    );
    assert.match(r.stdout, /^failed: \d+ errors?, /m);
  });

  it('writes SARIF 2.1.0 that validates, with rules from the catalogue and file locations', () => {
    const r = sarif;
    assert.equal(r.code, 1);
    const log = JSON.parse(r.stdout) as {
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string }> } };
        results: Array<SarifResult>;
      }>;
    };
    const validate = sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    const run0 = log.runs[0]!;
    assert.deepEqual(
      run0.tool.driver.rules.map((x) => x.id),
      CHECKS.map((c) => c.id),
    );
    const priv = run0.results.find((x) => x.ruleId === 'SLW-SEC-004');
    assert.equal(priv?.level, 'error');
    assert.equal(priv?.locations[0].physicalLocation.artifactLocation.uri, 'values/booking.yaml');
    assert.equal(priv?.locations[0].physicalLocation.region.startLine, lines.privileged);
    assert.equal(
      priv?.locations[0].logicalLocations[0].fullyQualifiedName,
      'Deployment/appointments-production/booking',
    );
  });

  it('exits 2 for input errors', () => {
    const r = badEnv;
    assert.equal(r.code, 2);
    const f = badFormat;
    assert.equal(f.code, 2);
  });
});
