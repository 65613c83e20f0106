// Every check of the catalogue: a passing and a failing object, at the level where it is an error or
// warning; plus waivers, unknown waivers and file:line sources from the values layers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Strategy } from '../src/config/schema.ts';
import { mergeLayers, type ValuesLayer } from '../src/config/values.ts';
import { CHECKS, checkWaivers, findCheck, runChecks } from '../src/policy/catalogue.ts';
import type { Finding, PolicyLevel } from '../src/policy/types.ts';
import { renderService } from '../src/render/index.ts';
import { context } from '../src/render/test-fixtures.ts';
import type { KubeObject } from '../src/shared/kube-types.ts';

type Json = Record<string, unknown>;

/** A production-ready service: clean at every level. */
const GOOD: Json = {
  image: { digest: `sha256:${'ab'.repeat(32)}` },
  replicaCount: 3,
  autoscaling: { minReplicas: 3 },
  pdb: { minAvailable: 2 },
};

function render(overlay: Json = {}, strategy: Strategy = { type: 'rolling' }): KubeObject[] {
  return renderService(context(merge(GOOD, overlay), { strategy }));
}

function merge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? merge(cur as Json, v as Json)
        : v;
  }
  return out;
}

function check(objects: KubeObject[], level: PolicyLevel = 'strict', extra: KubeObject[] = []): Finding[] {
  return runChecks({
    environment: 'production',
    level,
    services: [{ service: 'booking', objects: [...objects, ...extra] }],
  });
}

const deployment = (objs: KubeObject[]) =>
  objs.find((o) => o.kind === 'Deployment') as KubeObject & { spec: Json };
const podSpec = (objs: KubeObject[]) => (deployment(objs).spec.template as Json).spec as Json;
const container = (objs: KubeObject[]) => (podSpec(objs).containers as Json[])[0]!;

interface Case {
  overlay?: Json;
  mutate?: (objs: KubeObject[]) => void;
  level?: PolicyLevel;
  path?: string;
}

const C = 'spec.template.spec.containers[0]';
const CASES: Record<string, Case[]> = {
  'SLW-SEC-001': [
    {
      overlay: { podSecurityContext: { runAsUser: 0 } },
      path: 'spec.template.spec.securityContext.runAsUser',
    },
    { overlay: { podSecurityContext: { runAsNonRoot: false } } },
  ],
  'SLW-SEC-002': [
    {
      overlay: { securityContext: { readOnlyRootFilesystem: false } },
      path: `${C}.securityContext.readOnlyRootFilesystem`,
    },
  ],
  'SLW-SEC-003': [{ overlay: { scratchVolumes: { tmp: null } }, path: `${C}.volumeMounts` }],
  'SLW-SEC-004': [
    { overlay: { securityContext: { privileged: true } }, path: `${C}.securityContext.privileged` },
  ],
  'SLW-SEC-005': [{ overlay: { securityContext: { allowPrivilegeEscalation: true } } }],
  'SLW-SEC-006': [
    {
      overlay: { securityContext: { capabilities: { add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] } } },
      path: `${C}.securityContext.capabilities.add[1]`,
    },
  ],
  'SLW-SEC-007': [{ overlay: { securityContext: { capabilities: { drop: ['NET_RAW'] } } } }],
  'SLW-SEC-008': [
    { overlay: { hostNetwork: true }, path: 'spec.template.spec.hostNetwork' },
    { overlay: { hostPID: true } },
  ],
  'SLW-SEC-009': [
    {
      mutate: (o) => {
        podSpec(o).volumes = [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }];
      },
      path: 'spec.template.spec.volumes[0].hostPath',
    },
  ],
  'SLW-SEC-010': [
    {
      mutate: (o) => {
        (container(o).ports as Json[])[0]!.hostPort = 8080;
      },
    },
  ],
  'SLW-SEC-011': [
    { overlay: { podSecurityContext: { seccompProfile: { type: 'Unconfined' } } } },
    { overlay: { podSecurityContext: { seccompProfile: null } } },
  ],
  'SLW-SEC-012': [
    { overlay: { env: { DB_PASSWORD: 'hunter2' } } },
    { overlay: { env: { STRIPE_API_KEY: 'sk_live_x' } } },
  ],
  'SLW-SEC-013': [{ overlay: { serviceAccount: { create: false } } }],
  'SLW-SEC-016': [
    {
      overlay: { secrets: { DB_PASSWORD: { fromEnv: 'BOOKING_DB_PASSWORD' } } },
      mutate: (o) => {
        (o.find((x) => x.kind === 'Secret')!.stringData as Json).DB_PASSWORD = 'hunter2';
      },
      path: 'stringData.DB_PASSWORD',
    },
  ],
  'SLW-SEC-014': [{ overlay: { serviceAccount: { automountToken: true } } }],
  'SLW-REL-001': [{ overlay: { probes: { readiness: { enabled: false } } }, path: `${C}.readinessProbe` }],
  'SLW-REL-002': [{ overlay: { probes: { liveness: { enabled: false } } } }],
  'SLW-REL-003': [
    { overlay: { probes: { liveness: { path: '/health/ready', periodSeconds: 5, timeoutSeconds: 3 } } } },
  ],
  'SLW-REL-004': [{ overlay: { probes: { startup: { enabled: false } } } }],
  'SLW-REL-005': [
    { overlay: { autoscaling: { enabled: false }, replicaCount: 2 } },
    { overlay: { autoscaling: { enabled: false }, replicaCount: 1 }, level: 'standard' },
  ],
  'SLW-REL-006': [{ overlay: { autoscaling: { minReplicas: 2 } } }],
  'SLW-REL-007': [
    { overlay: { autoscaling: { maxReplicas: 3 } }, path: 'spec.maxReplicas' },
    {
      mutate: (o) => {
        ((o.find((x) => x.kind === 'HorizontalPodAutoscaler')!.spec as Json).scaleTargetRef as Json).name =
          'nope';
      },
    },
  ],
  'SLW-REL-008': [{ overlay: { pdb: { enabled: false } } }],
  'SLW-REL-009': [
    { overlay: { pdb: { minAvailable: 3 } } },
    { overlay: { pdb: { minAvailable: '100%' } } },
    { overlay: { pdb: { minAvailable: null, maxUnavailable: 0 } } },
  ],
  'SLW-REL-010': [{ overlay: { podAntiAffinity: { type: 'none' }, topologySpread: { enabled: false } } }],
  'SLW-REL-011': [
    {
      mutate: (o) => {
        (deployment(o).spec.selector as Json).matchLabels = { app: 'other' };
      },
    },
  ],
  'SLW-RES-001': [{ overlay: { resources: { requests: { cpu: null } } } }],
  'SLW-RES-002': [{ overlay: { resources: { requests: { memory: null } } } }],
  'SLW-RES-003': [{ overlay: { resources: { limits: { memory: null } } } }],
  'SLW-RES-004': [{ overlay: { resources: { limits: { cpu: '500m' } } }, path: `${C}.resources.limits.cpu` }],
  'SLW-IMG-001': [
    { overlay: { image: { digest: '', tag: 'latest' } } },
    { overlay: { image: { digest: '', tag: '' } } },
  ],
  'SLW-IMG-002': [{ overlay: { image: { digest: '', tag: '1.2.3' } } }],
  'SLW-IMG-003': [
    { overlay: { image: { digest: '', tag: 'latest', pullPolicy: 'IfNotPresent' } } },
    { overlay: { image: { pullPolicy: 'Never' } } },
  ],
  'SLW-CFG-001': [
    {
      mutate: (o) => {
        container(o).env = [
          { name: 'A', value: '1' },
          { name: 'A', value: '2' },
        ];
      },
    },
  ],
  'SLW-NET-001': [{ overlay: { networkPolicy: { enabled: false } } }],
  'SLW-NET-002': [
    {
      mutate: (o) => {
        (o.find((x) => x.kind === 'Service')!.spec as Json).selector = { app: 'nope' };
      },
      path: 'spec.selector',
    },
  ],
  'SLW-NET-003': [
    {
      overlay: { ingress: { enabled: true, hosts: ['booking.example.com'] } },
      mutate: (o) => {
        const ing = o.find((x) => x.kind === 'Ingress')!;
        const p = (((ing.spec as Json).rules as Json[])[0]!.http as Json).paths as Json[];
        ((p[0]!.backend as Json).service as Json).name = 'gone';
      },
    },
    {
      overlay: { ingress: { enabled: true, hosts: ['booking.example.com'] } },
      mutate: (o) => {
        const ing = o.find((x) => x.kind === 'Ingress')!;
        const p = (((ing.spec as Json).rules as Json[])[0]!.http as Json).paths as Json[];
        ((p[0]!.backend as Json).service as Json).port = { name: 'grpc' };
      },
    },
  ],
  'SLW-API-001': [
    {
      mutate: (o) => {
        o.find((x) => x.kind === 'HorizontalPodAutoscaler')!.apiVersion = 'autoscaling/v2beta2';
      },
    },
  ],
};

describe('check catalogue', () => {
  it('has unique ids and names, a rationale and severities for every level', () => {
    const ids = new Set(CHECKS.map((c) => c.id));
    const names = new Set(CHECKS.map((c) => c.name));
    assert.equal(ids.size, CHECKS.length);
    assert.equal(names.size, CHECKS.length);
    for (const c of CHECKS) {
      assert.match(c.id, /^SLW-[A-Z]{3}-\d{3}$/);
      assert.match(c.name, /^[a-z0-9-]+$/);
      assert.ok(c.rationale.length > 10 && !c.rationale.includes('\n'), c.id);
      for (const l of ['relaxed', 'standard', 'strict'] as const)
        assert.ok(['off', 'info', 'warning', 'error'].includes(c.severity[l]));
    }
    assert.equal(findCheck('run-as-non-root')?.id, 'SLW-SEC-001');
    assert.equal(findCheck('slw-sec-001')?.name, 'run-as-non-root');
  });

  it('a production-ready service is clean at every level and every strategy', () => {
    const strategies: Strategy[] = [
      { type: 'rolling' },
      { type: 'canary', steps: [{ setWeight: 10 }] },
      { type: 'canary', steps: [{ setWeight: 10 }], trafficRouting: { istio: {} } },
      { type: 'blueGreen', autoPromotion: true, scaleDownDelay: '30s' },
    ];
    for (const s of strategies) {
      for (const level of ['relaxed', 'standard', 'strict'] as const)
        assert.deepEqual(check(render({}, s), level), [], `${s.type} ${level}`);
    }
  });

  it('every check that runs on objects has a failing case', () => {
    for (const c of CHECKS) if (c.run) assert.ok(CASES[c.id], `no test case for ${c.id} ${c.name}`);
  });

  for (const [id, cases] of Object.entries(CASES)) {
    it(`${id} ${findCheck(id)?.name}: passes on a good service, fails on a bad one`, () => {
      assert.ok(findCheck(id), id);
      cases.forEach((c, i) => {
        const good = render(c.overlay && id === 'SLW-NET-003' ? c.overlay : {});
        assert.deepEqual(
          check(good, c.level).filter((f) => f.checkId === id),
          [],
          `${id} good`,
        );
        const objs = render(c.overlay ?? {});
        c.mutate?.(objs);
        const found = check(objs, c.level).filter((f) => f.checkId === id);
        assert.ok(found.length > 0, `${id} case ${i} found nothing`);
        assert.ok(found.every((f) => f.service === 'booking' && f.environment === 'production' && f.message));
        if (c.path) assert.equal(found[0]!.path, c.path);
      });
    });
  }

  it('severity follows the level: off, warning, error', () => {
    const objs = render({ autoscaling: { enabled: false }, replicaCount: 2 });
    assert.deepEqual(
      check(objs, 'relaxed').filter((f) => f.checkId === 'SLW-REL-005'),
      [],
    );
    assert.deepEqual(
      check(objs, 'standard').filter((f) => f.checkId === 'SLW-REL-005'),
      [],
    );
    assert.equal(check(objs, 'strict').find((f) => f.checkId === 'SLW-REL-005')?.severity, 'error');
    const one = render({ autoscaling: { enabled: false }, replicaCount: 1 });
    assert.equal(check(one, 'standard').find((f) => f.checkId === 'SLW-REL-005')?.severity, 'warning');
  });

  it('a Service selecting a standby track (canary, other colour) is not reported', () => {
    const objs = render({}, { type: 'blueGreen', autoPromotion: true, scaleDownDelay: '30s' });
    assert.ok(objs.some((o) => o.metadata.name === 'booking-green'));
    assert.deepEqual(
      check(objs).filter((f) => f.checkId === 'SLW-NET-002'),
      [],
    );
  });
});

describe('waivers', () => {
  const objs = render({ securityContext: { readOnlyRootFilesystem: false } });
  it('turn a finding into waived with the reason, by id or name, per environment', () => {
    for (const check of ['SLW-SEC-002', 'read-only-root-filesystem']) {
      const f = runChecks({
        environment: 'production',
        level: 'strict',
        services: [
          { service: 'booking', objects: objs, waivers: [{ check, reason: 'legacy JVM writes to /app' }] },
        ],
      }).find((x) => x.checkId === 'SLW-SEC-002');
      assert.deepEqual(f?.waived, { reason: 'legacy JVM writes to /app' });
    }
    const other = runChecks({
      environment: 'production',
      level: 'strict',
      services: [
        {
          service: 'booking',
          objects: objs,
          waivers: [{ check: 'SLW-SEC-002', reason: 'r', environments: ['staging'] }],
        },
      ],
    }).find((x) => x.checkId === 'SLW-SEC-002');
    assert.equal(other?.waived, undefined);
  });

  it('an unknown check in a waiver is an error with a suggestion', () => {
    const errors = checkWaivers('booking', [{ check: 'SLW-SEC-02', reason: 'x' }]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.type, 'config');
    assert.match(errors[0]!.message, /unknown check "SLW-SEC-02"/);
    assert.match(errors[0]!.hint ?? '', /SLW-SEC-0/);
    assert.throws(
      () =>
        runChecks({
          environment: 'p',
          level: 'strict',
          services: [{ service: 'booking', objects: objs, waivers: [{ check: 'nope', reason: 'x' }] }],
        }),
      /unknown check/,
    );
    assert.equal(
      checkWaivers('booking', [{ check: 'schema', reason: 'x' }])[0]?.message,
      'check SLW-SCH-001 schema cannot be waived',
    );
  });
});

describe('finding sources', () => {
  it('name the values file and line that set the controlling key', () => {
    const layers: ValuesLayer[] = [
      {
        kind: 'chart',
        source: 'chart/values.yaml',
        values: { securityContext: { privileged: false } },
        locate: () => ({ line: 120, column: 3 }),
      },
      {
        kind: 'service',
        source: 'values/booking.yaml',
        values: { securityContext: { privileged: true } },
        locate: (p) =>
          p.join('.') === 'securityContext.privileged' ? { line: 7, column: 15 } : { line: 6, column: 1 },
      },
    ];
    const values = mergeLayers(layers);
    const f = runChecks({
      environment: 'production',
      level: 'strict',
      services: [{ service: 'booking', objects: render({ securityContext: { privileged: true } }), values }],
    }).find((x) => x.checkId === 'SLW-SEC-004');
    assert.deepEqual(f?.source, {
      file: 'values/booking.yaml',
      line: 7,
      column: 15,
      key: 'securityContext.privileged',
    });
  });
});
