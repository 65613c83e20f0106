// The tighten-only rule: each loosening of a security setting established by the base values (or the
// chart defaults) is an error naming the layer, file, line and key; tightening is allowed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ValuesLayer, ValuesLayerKind } from '../src/config/values.ts';
import { parseYaml } from '../src/config/yaml-source.ts';
import { checkTightenOnly } from '../src/policy/tighten.ts';

const chart = parseYaml(
  'chart/values.yaml',
  readFileSync(new URL('../chart/values.yaml', import.meta.url), 'utf8'),
);

function layer(kind: ValuesLayerKind, source: string, text: string): ValuesLayer {
  const f = parseYaml(source, text);
  return { kind, source, values: f.value as Record<string, unknown>, locate: (p) => f.locate(p) };
}

const chartLayer: ValuesLayer = {
  kind: 'chart',
  source: 'chart/values.yaml',
  values: chart.value as Record<string, unknown>,
  locate: (p) => chart.locate(p),
};
const base = layer('base', 'values.yaml', 'replicaCount: 2\npodSecurityContext:\n  runAsUser: 2000\n');

function check(kind: ValuesLayerKind, text: string, source = `values/booking.yaml`) {
  return checkTightenOnly([chartLayer, base, layer(kind, source, text)]);
}

describe('checkTightenOnly', () => {
  const loosenings: Array<[string, string, string]> = [
    ['securityContext:\n  privileged: true\n', 'securityContext.privileged', 'true'],
    ['podSecurityContext:\n  runAsNonRoot: false\n', 'podSecurityContext.runAsNonRoot', 'false'],
    ['podSecurityContext:\n  runAsUser: 0\n', 'podSecurityContext.runAsUser', '0 (root'],
    ['securityContext:\n  runAsUser: 0\n', 'securityContext.runAsUser', '0 (root'],
    [
      'securityContext:\n  allowPrivilegeEscalation: true\n',
      'securityContext.allowPrivilegeEscalation',
      'true',
    ],
    [
      'securityContext:\n  readOnlyRootFilesystem: false\n',
      'securityContext.readOnlyRootFilesystem',
      'false',
    ],
    [
      'securityContext:\n  capabilities:\n    add: [NET_ADMIN]\n',
      'securityContext.capabilities.add',
      'adds NET_ADMIN',
    ],
    [
      'securityContext:\n  capabilities:\n    drop: [NET_RAW]\n',
      'securityContext.capabilities.drop',
      'no longer drops ALL',
    ],
    [
      'podSecurityContext:\n  seccompProfile:\n    type: Unconfined\n',
      'podSecurityContext.seccompProfile.type',
      'Unconfined',
    ],
    ['hostNetwork: true\n', 'hostNetwork', 'true'],
    ['hostPID: true\n', 'hostPID', 'true'],
    ['hostIPC: true\n', 'hostIPC', 'true'],
    [
      'securityContext:\n  readOnlyRootFilesystem: null\n',
      'securityContext.readOnlyRootFilesystem',
      'deletes',
    ],
    ['podSecurityContext:\n  seccompProfile: null\n', 'podSecurityContext.seccompProfile', 'deletes'],
  ];
  for (const [text, key, what] of loosenings) {
    it(`rejects ${key} → ${what}`, () => {
      const errors = check('service', `# booking\nimage:\n  tag: x\n${text}`);
      assert.ok(errors.length >= 1, text);
      const e = errors[0]!;
      assert.equal(e.type, 'policy');
      assert.equal(e.location?.file, 'values/booking.yaml');
      assert.equal(e.location?.path, key);
      assert.equal(e.location?.line, 3 + key.split('.').length);
      assert.ok(e.message.includes('the service layer loosens'), e.message);
      assert.ok(e.message.includes(what), e.message);
      assert.equal(e.data?.layer, 'service');
      assert.match(e.explain(), /^values\/booking\.yaml:\d+:\d+: the service layer loosens/);
    });
  }

  it('a null on a whole security context deletes everything under it, reported once', () => {
    const errors = check('environment', 'securityContext: null\n', 'values/production.yaml');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.location?.path, 'securityContext');
    assert.equal(errors[0]!.location?.line, 1);
    assert.match(errors[0]!.message, /environment layer loosens.*deletes securityContext/);
  });

  it('names every later layer kind, including desired state and flags', () => {
    for (const kind of ['service', 'environment', 'service.environment', 'desired', 'flag'] as const) {
      const e = checkTightenOnly([
        chartLayer,
        base,
        {
          kind,
          source: kind === 'flag' ? '--set securityContext.privileged=true' : 'x.yaml',
          values: { securityContext: { privileged: true } },
        },
      ]);
      assert.equal(e.length, 1, kind);
      assert.equal(e[0]!.data?.layer, kind);
    }
  });

  it('allows tightening and restating', () => {
    assert.deepEqual(
      check(
        'service',
        [
          'podSecurityContext:',
          '  runAsUser: 3000',
          '  runAsNonRoot: true',
          '  seccompProfile: { type: Localhost, localhostProfile: p.json }',
          'securityContext:',
          '  readOnlyRootFilesystem: true',
          '  allowPrivilegeEscalation: false',
          '  capabilities: { drop: [ALL, NET_RAW], add: [] }',
          'hostNetwork: false',
          '',
        ].join('\n'),
      ),
      [],
    );
  });

  it('compares with what the base layer established, falling back to chart defaults', () => {
    // The base itself may loosen (it is the platform's own policy): later layers then may keep it.
    const looseBase = layer('base', 'values.yaml', 'securityContext:\n  readOnlyRootFilesystem: false\n');
    const svc = layer('service', 'values/a.yaml', 'securityContext:\n  readOnlyRootFilesystem: false\n');
    assert.deepEqual(checkTightenOnly([chartLayer, looseBase, svc]), []);
    // Without a base layer the chart's defaults are what is established.
    assert.equal(checkTightenOnly([chartLayer, svc]).length, 1);
  });
});

describe('lint helpers for render', () => {
  it('assertNoLintErrors throws a policy error listing unwaived errors only', async () => {
    const { assertNoLintErrors } = await import('../src/policy/lint.ts');
    const base = {
      checkName: 'privileged',
      object: 'Deployment/ns/a',
      message: 'm',
      service: 'a',
      environment: 'e',
    };
    assert.doesNotThrow(() =>
      assertNoLintErrors([
        { ...base, checkId: 'SLW-SEC-004', severity: 'error', waived: { reason: 'r' } },
        { ...base, checkId: 'X', severity: 'warning' },
      ]),
    );
    assert.throws(
      () =>
        assertNoLintErrors([
          {
            ...base,
            checkId: 'SLW-SEC-004',
            severity: 'error',
            source: { file: 'values/a.yaml', line: 3, key: 'securityContext.privileged' },
          },
        ]),
      (e: unknown) => {
        const err = e as { type: string; details: string[]; exitCode: number };
        assert.equal(err.type, 'policy');
        assert.equal(err.exitCode, 1);
        assert.deepEqual(err.details, ['SLW-SEC-004 privileged Deployment/ns/a: m (values/a.yaml:3)']);
        return true;
      },
    );
  });
});
