// slipway running where users run it (issue 11 item 10), with real parts: the embedded cluster runs
// slipway itself — `slipway -C deploy/slipway deploy slipway` renders and applies its own chart (two
// replicas, ServiceAccount, ClusterRole + binding, Service, PDB; the PostgreSQL URL and the OIDC client
// secret from Secrets) — and the pods are this checkout's `slipway serve`, reaching the API server as
// their ServiceAccount. Checked: both pods ready, exactly one holds the leader Lease, an API call
// through the Service with a store-made token deploys a service, a request the ClusterRole does not
// allow gets Kubernetes' 403, and every request the pods made is allowed by the rendered rules while
// every rule is used (or named below with the code path that needs it). Everything stops by pid.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { connect, type KubeClient } from '../../src/kube/client.ts';
import { type AuditEvent, type LocalCluster, startLocalCluster } from '../../src/localcluster/cluster.ts';
import { selfImageMappings } from '../../src/localcluster/pods/process.ts';
import { LEADER_LEASE } from '../../src/server/leader.ts';
import type { KubeObject } from '../../src/shared/kube-types.ts';
import { DEMO_SERVICE } from '../release/support.ts';
import { startPostgres, type TestPostgres } from '../store/postgres.ts';
import { MAIN, until } from './serve-support.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'in-cluster');
const SYSTEM = 'slipway-system';
const ENV_NS = 'shop-dev';
const SA_USER = `system:serviceaccount:${SYSTEM}:slipway`;
const OIDC_SECRET = 'oidc-client-secret-from-a-secret';

/**
 * Rules of deploy/slipway/values.yaml that one rolling deploy of a plain service does not use, each
 * with the code that needs it. A rule used by nothing here and absent from this list fails the test.
 */
const NOT_EXERCISED: Record<string, string> = {
  'apps/deployments/scale': 'canary replica ratios and blue-green scale-down (release/strategies)',
  'batch/jobs': 'hook and smoke-test Jobs (release/hooks.ts)',
  '/pods/log': 'the logs of a failed hook Job (release/hooks.ts)',
  '/events': 'why a rollout failed (release/track.ts)',
  'monitoring.coreos.com/servicemonitors': 'serviceMonitor.enabled',
  'networking.istio.io/virtualservices': 'canary and blue-green with trafficRouting.istio',
  'networking.istio.io/destinationrules': 'canary with trafficRouting.istio',
  'gateway.networking.k8s.io/httproutes': 'canary with trafficRouting.gatewayAPI',
};
/**
 * Objects the chart renders share one lifecycle, whichever of them a run happens to touch: applied
 * server-side (patch), read back and diffed (get), pruned (list, delete), watched by the status
 * cache, rollout tracking and the GitOps drift check (watch).
 */
const RENDERED = new Set([
  '/services',
  '/serviceaccounts',
  '/secrets',
  '/configmaps',
  'apps/deployments',
  'policy/poddisruptionbudgets',
  'autoscaling/horizontalpodautoscalers',
  'networking.k8s.io/ingresses',
  'networking.k8s.io/networkpolicies',
  'monitoring.coreos.com/servicemonitors',
  'networking.istio.io/virtualservices',
  'networking.istio.io/destinationrules',
  'gateway.networking.k8s.io/httproutes',
]);
const RENDERED_VERBS = new Set(['get', 'list', 'watch', 'patch', 'delete']);
/** Other verbs of used resources that this run does not make, each with the code that needs it. */
const VERBS_NOT_EXERCISED: Record<string, string> = {
  '/configmaps:create': 'flag state (flags/engine.ts) and freeze markers are created',
  'coordination.k8s.io/leases:delete':
    "a dead holder's lock is removed (release/lock.ts forceUnlock, release/interrupted.ts)",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('slipway deployed by slipway on the embedded cluster', async () => {
  const pg = await startPostgres();
  const children = new Set<ChildProcess>();
  const audit: AuditEvent[] = [];
  let dir = '';
  let deployDir = '';
  let cluster: LocalCluster | undefined;
  let admin: KubeClient;
  let storeUrl = '';
  const httpPort = 20_000 + Math.floor(Math.random() * 20_000);
  const servicePort = httpPort + 1;
  const webPort = httpPort + 2;

  const cli = (args: string[], env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      env: { ...process.env, SLIPWAY_USER: 'ops', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      out += d;
    });
    return new Promise<{ code: number | null; out: string }>((r) =>
      child.on('exit', (code) => {
        children.delete(child);
        r({ code, out });
      }),
    );
  };

  before(async () => {
    if ('skip' in pg) return;
    storeUrl = await (pg as TestPostgres).createDatabase('slipway_in_cluster');
    dir = mkdtempSync(join(tmpdir(), 'slipway-in-cluster-'));
    cpSync(FIXTURE, dir, { recursive: true });
    writeFileSync(
      join(dir, 'values.yaml'),
      `${readFileSync(join(dir, 'values.yaml'), 'utf8')}ports:\n  http: ${webPort}\nservice:\n  port: ${webPort}\n`,
    );
    deployDir = mkdtempSync(join(tmpdir(), 'slipway-deploy-'));
    cpSync(join(ROOT, 'deploy', 'slipway'), deployDir, { recursive: true });
    cluster = await startLocalCluster({
      dir: join(dir, '.slipway', 'cluster'),
      // slipway's pods serve the platform of the directory the cluster runs in, as after `cluster up`.
      imageMappings: [
        { image: 'example.test/shop/*', command: ['node', DEMO_SERVICE], cwd: dir },
        ...selfImageMappings().map((m) => ({ ...m, cwd: dir })),
      ],
      backoffBaseMs: 200,
      audit: (e) => audit.push(e),
      log: () => {},
    });
    admin = await connect({ kubeconfigPath: cluster.kubeconfigPath, namespace: SYSTEM });
    await admin.ensureNamespace(SYSTEM);
    await admin.ensureNamespace(ENV_NS);
    for (const [name, key, value] of [
      ['slipway-store', 'url', storeUrl],
      ['slipway-oidc', 'client-secret', OIDC_SECRET],
    ] as const) {
      await admin.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name },
        stringData: { [key]: value },
      });
    }
  });

  after(async () => {
    for (const c of children) if (c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
    await cluster?.stop();
    if (!('skip' in pg)) pg.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (deployDir) rmSync(deployDir, { recursive: true, force: true });
  });

  test('two ready replicas, one leader, the API through the Service, RBAC exactly as rendered', {
    skip: 'skip' in pg ? pg.skip : false,
    timeout: 90_000,
  }, async () => {
    const started = Date.now();
    const c = cluster!;
    const deployed = await cli(
      [
        '-C',
        deployDir,
        'deploy',
        'slipway',
        '--env',
        'local',
        '--image-tag',
        '0.1.0',
        '--set',
        `ports.http=${httpPort}`,
        '--set-string',
        `env.SLIPWAY_PORT=${httpPort}`,
        '--set',
        `service.port=${servicePort}`,
      ],
      { KUBECONFIG: c.kubeconfigPath },
    );
    assert.equal(deployed.code, 0, deployed.out);
    const deployMs = Date.now() - started;

    // Both pods ready (the deploy waited for the rollout), each a process of this checkout's CLI.
    const pods = await admin.list('v1', 'Pod', { labelSelector: 'app.kubernetes.io/name=slipway' });
    assert.equal(pods.length, 2);
    for (const p of pods) {
      const ready = (
        (p.status as { conditions?: Array<{ type: string; status: string }> }).conditions ?? []
      ).find((x) => x.type === 'Ready');
      assert.equal(ready?.status, 'True', `${p.metadata.name} ready`);
    }
    const pids = (
      JSON.parse(readFileSync(join(dir, '.slipway', 'cluster', 'pids.json'), 'utf8')) as Array<{
        pid: number;
      }>
    ).map((e) => e.pid);
    const slipwayPids = pids.filter((pid) => {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmd.includes('src/cli/main.ts') && cmd.includes('serve');
    });
    assert.equal(slipwayPids.length, 2, 'two slipway serve processes');
    // The Secrets reached the processes: the store URL and the OIDC client secret.
    for (const pid of slipwayPids) {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      assert.ok(env.includes(`SLIPWAY_STORE=${storeUrl}`), 'SLIPWAY_STORE from the slipway-store Secret');
      assert.ok(env.includes(`SLIPWAY_OIDC_CLIENT_SECRET=${OIDC_SECRET}`), 'the OIDC client secret');
      assert.ok(
        env.some((e) => e.startsWith('KUBERNETES_SERVICE_HOST=')),
        'in-cluster API address',
      );
    }

    // Exactly one replica leads: the Lease names one of the two processes, /readyz of each agrees.
    const holder = await until('a leader', async () => {
      const lease = await admin.get('coordination.k8s.io/v1', 'Lease', LEADER_LEASE, ENV_NS);
      return (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity || undefined;
    });
    assert.ok(slipwayPids.includes(Number(holder.split(':')[1])), `the lease holder ${holder} is a pod`);
    const leads: boolean[] = [];
    for (const p of pods) {
      const ip = (p.status as { podIP: string }).podIP;
      const body = (await (await fetch(`http://${ip}:${httpPort}/readyz`)).json()) as { leader?: boolean };
      leads.push(body.leader === true);
    }
    assert.deepEqual(leads.filter(Boolean).length, 1, 'one /readyz says leader');

    // An API call through the Service, with a token made in the shared store.
    const token = await cli(
      [
        '-C',
        dir,
        'token',
        'create',
        '--env',
        'dev',
        '--role',
        'deployer',
        '--expires',
        '1h',
        '--name',
        'ci',
        '--output',
        'json',
      ],
      { SLIPWAY_STORE: storeUrl },
    );
    assert.equal(token.code, 0, token.out);
    const bearer = (JSON.parse(token.out.slice(token.out.indexOf('{'))) as { token: string }).token;
    const svc = (await admin.get('v1', 'Service', 'slipway')) as KubeObject;
    const clusterIP = (svc.spec as { clusterIP: string }).clusterIP;
    const res = await fetch(
      `http://${clusterIP}:${servicePort}/api/v1/environments/dev/services/web/deploy`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ imageTag: 'v2' }),
      },
    );
    assert.equal(res.status, 202, await res.text());
    await until(
      'web v2 rolled out',
      async () => {
        const d = await admin.get('apps/v1', 'Deployment', 'web', ENV_NS);
        const image = (
          d?.spec as { template: { spec: { containers: Array<{ image: string }> } } } | undefined
        )?.template.spec.containers[0]?.image;
        const st = d?.status as
          | { updatedReplicas?: number; readyReplicas?: number; replicas?: number }
          | undefined;
        return (
          image?.endsWith(':v2') && st?.updatedReplicas === 2 && st.readyReplicas === 2 && st.replicas === 2
        );
      },
      40_000,
    );
    // The status the dashboard and `slipway status` read, through the Service (watches).
    const statusRes = await fetch(`http://${clusterIP}:${servicePort}/api/v1/environments/dev/status`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    assert.equal(statusRes.status, 200, await statusRes.text());
    // The release is recorded and unlocked before we read the requests it made.
    await sleep(1000);

    const fromPods = audit.length;
    // A request the ClusterRole does not allow, made with a pod's own token: Kubernetes' 403.
    const podDir = readdirSync(join(dir, '.slipway', 'cluster', 'pods')).find((d) =>
      d.startsWith(`${SYSTEM}_`),
    )!;
    const saToken = readFileSync(
      join(dir, '.slipway', 'cluster', 'pods', podDir, 'var/run/secrets/kubernetes.io/serviceaccount/token'),
      'utf8',
    );
    const denied = await fetch(`${c.url}/apis/rbac.authorization.k8s.io/v1/clusterroles`, {
      headers: { authorization: `Bearer ${saToken}` },
    });
    assert.equal(denied.status, 403);
    const status = (await denied.json()) as { reason: string; message: string; code: number };
    assert.equal(status.reason, 'Forbidden');
    assert.equal(
      status.message,
      `clusterroles.rbac.authorization.k8s.io is forbidden: User "${SA_USER}" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope`,
    );
    const forged = await fetch(`${c.url}/api/v1/namespaces/${ENV_NS}/pods`, {
      headers: { authorization: `Bearer ${saToken.slice(0, -4)}AAAA` },
    });
    assert.equal(forged.status, 401, 'a forged token is refused');

    // Every request the pods made was allowed; every rule of the rendered ClusterRole was used.
    const made = audit.slice(0, fromPods).filter((e) => e.user === SA_USER && e.resourceRequest);
    const refused = made.filter((e) => !e.allowed);
    assert.deepEqual(
      refused.map((e) => `${e.verb} ${e.path}`),
      [],
      'requests of slipway the rendered rules refused',
    );
    const rendered = parseAllDocuments(
      (await cli(['-C', deployDir, 'render', 'slipway', '--env', 'local'])).out,
    ).map((d) => d.toJS() as KubeObject);
    const role = rendered.find((o) => o.kind === 'ClusterRole') as KubeObject & {
      rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    };
    const used = new Set(
      made.map((e) => `${e.apiGroup}/${e.resource}${e.subresource ? `/${e.subresource}` : ''}`),
    );
    const usedVerbs = new Set(
      made.map((e) => `${e.apiGroup}/${e.resource}${e.subresource ? `/${e.subresource}` : ''}:${e.verb}`),
    );
    const unused: string[] = [];
    const unusedVerbs: string[] = [];
    for (const rule of role.rules) {
      for (const g of rule.apiGroups)
        for (const r of rule.resources) {
          const key = `${g}/${r}`;
          if (!used.has(key)) {
            if (!NOT_EXERCISED[key]) unused.push(key);
            continue;
          }
          for (const v of rule.verbs)
            if (
              !usedVerbs.has(`${key}:${v}`) &&
              !VERBS_NOT_EXERCISED[`${key}:${v}`] &&
              !(RENDERED.has(key) && RENDERED_VERBS.has(v))
            )
              unusedVerbs.push(`${key}:${v}`);
        }
    }
    assert.deepEqual(unused, [], 'rules no request used and NOT_EXERCISED does not explain');
    assert.deepEqual(unusedVerbs, []);
    const unexplained = Object.keys(NOT_EXERCISED).filter((k) => used.has(k));
    assert.deepEqual(unexplained, [], 'NOT_EXERCISED lists a resource the run did use: remove it');
    process.stdout.write(
      `in-cluster: slipway deployed and ready in ${(deployMs / 1000).toFixed(1)} s; ${made.length} requests as ${SA_USER}, ` +
        `${used.size} resources used (${[...usedVerbs].sort().join(', ')}); total ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  });
});
