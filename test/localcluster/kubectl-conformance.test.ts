// Conformance: the real kubectl (1.32 via the dispatcher) against the local cluster's API server.
// kubectl runs as a child process (asynchronously, so this process keeps serving); each run gets the
// temp kubeconfig and a fresh --cache-dir.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ApiServer, startApiServer } from '../../src/localcluster/api/server.ts';
import { installBundledCrds } from '../../src/localcluster/resources/crds.ts';
import { createMemoryStore, type MemoryStore } from '../../src/localcluster/store/memory-store.ts';
import type { KubeObject } from '../../src/shared/kube-types.ts';

let server: ApiServer;
let store: MemoryStore;
let dir: string;
const children = new Set<ChildProcess>();

/** A stand-in for the policy validator: unknown top-level spec fields and negative replicas. */
function validate(o: KubeObject): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const spec = o.spec as Record<string, unknown> | undefined;
  if (o.kind === 'Deployment' && spec) {
    for (const k of Object.keys(spec)) {
      if (
        ![
          'replicas',
          'selector',
          'template',
          'strategy',
          'revisionHistoryLimit',
          'progressDeadlineSeconds',
          'minReadySeconds',
          'paused',
        ].includes(k)
      ) {
        out.push({ path: `spec.${k}`, message: 'unknown field' });
      }
    }
    if (typeof spec.replicas === 'number' && spec.replicas < 0) {
      out.push({ path: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' });
    }
  }
  return out;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], input?: string, timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--cache-dir', join(dir, 'cache'), ...args], {
      env: { ...process.env, KUBECONFIG: join(dir, 'config'), HOME: dir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const deploymentYaml = (opts: {
  image: string;
  env: string;
  label?: boolean;
  replicas?: number;
  extra?: string;
}) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web${opts.label ? ', tier: frontend' : ''}}
spec:
  replicas: ${opts.replicas ?? 2}
  selector: {matchLabels: {app: web}}
${opts.extra ?? ''}  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: ${opts.image}
        env: [${opts.env}]
`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-kubectl-'));
  store = createMemoryStore();
  installBundledCrds(store);
  server = await startApiServer({ store, validate, logs: (_n, pod, c) => `hello from ${pod}/${c}\n` });
  writeFileSync(
    join(dir, 'config'),
    `apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "${server.url}", insecure-skip-tls-verify: true}
contexts:
- name: local
  context: {cluster: local, user: local, namespace: default}
current-context: local
users:
- name: local
  user: {token: local}
`,
  );
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubectl conformance', () => {
  it('client-side apply: create, update, field removal; diff exits 1 then 0', async () => {
    const v1 = deploymentYaml({
      image: 'img:1',
      env: '{name: A, value: "1"}, {name: B, value: "2"}',
      label: true,
    });
    assert.match(await ok(['apply', '-f', '-'], v1), /deployment.apps\/web created/);
    const v2 = deploymentYaml({ image: 'img:2', env: '{name: A, value: "1"}' });
    const diff = await kubectl(['diff', '-f', '-'], v2);
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /-\s+image: img:1\n\+\s+image: img:2/);
    assert.match(await ok(['apply', '-f', '-'], v2), /deployment.apps\/web configured/);
    assert.equal((await kubectl(['diff', '-f', '-'], v2)).code, 0);
    const live = JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'json']));
    assert.equal(live.metadata.generation, 2);
    assert.deepEqual(live.metadata.labels, { app: 'web' }, 'tier label removed');
    assert.deepEqual(live.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
  });

  it('server-side apply: create, update, field removal, conflicts', async () => {
    const cm = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf}\ndata: {${data}}\n`;
    assert.match(
      await ok(['apply', '--server-side', '-f', '-'], cm('a: "1", b: "2"')),
      /configmap\/conf serverside-applied/,
    );
    await ok(['apply', '--server-side', '-f', '-'], cm('a: "10"'));
    assert.equal(await ok(['get', 'cm', 'conf', '-o', 'jsonpath={.data}']), '{"a":"10"}');
    const clash = await kubectl(
      ['apply', '--server-side', '--field-manager=other', '-f', '-'],
      cm('a: "99"'),
    );
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /Apply failed with 1 conflict: conflict with "kubectl" using v1: \.data\.a/);
    await ok(
      ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'],
      cm('a: "99"'),
    );
    assert.equal(await ok(['get', 'cm', 'conf', '-o', 'jsonpath={.data.a}']), '99');
    // Switching the Deployment from client-side to server-side apply does not conflict.
    const v2 = deploymentYaml({ image: 'img:2', env: '{name: A, value: "1"}' });
    assert.match(await ok(['apply', '--server-side', '-f', '-'], v2), /serverside-applied/);
  });

  it('managedFields: hidden by get -o yaml, shown with --show-managed-fields; csa → ssa migration', async () => {
    const cm = (name: string, v: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {k: "${v}"}\n`;
    await ok(['apply', '--server-side', '-f', '-'], cm('mf', '1'));
    assert.doesNotMatch(await ok(['get', 'cm', 'mf', '-o', 'yaml']), /managedFields/);
    const shown = await ok(['get', 'cm', 'mf', '-o', 'yaml', '--show-managed-fields']);
    assert.match(
      shown,
      /managedFields:\n {2}- apiVersion: v1\n {4}fieldsType: FieldsV1\n {4}fieldsV1:\n {6}f:data:\n {8}f:k: \{\}\n {4}manager: kubectl\n {4}operation: Apply\n {4}time: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/,
    );
    await ok(['label', 'cm', 'mf', 'x=y']);
    const labelled = JSON.parse(await ok(['get', 'cm', 'mf', '-o', 'json', '--show-managed-fields']));
    assert.deepEqual(
      labelled.metadata.managedFields.map((e: { manager: string; operation: string }) => [
        e.manager,
        e.operation,
      ]),
      [
        ['kubectl', 'Apply'],
        ['kubectl-label', 'Update'],
      ],
    );
    // Client-side apply, then server-side: kubectl moves the client-side manager's fields to its
    // Apply manager itself (a JSON patch of managedFields), and the apply owns them.
    await ok(['apply', '-f', '-'], cm('mig', '1'));
    const csa = JSON.parse(await ok(['get', 'cm', 'mig', '-o', 'json', '--show-managed-fields']));
    assert.deepEqual(
      csa.metadata.managedFields.map((e: { manager: string }) => e.manager),
      ['kubectl-client-side-apply'],
    );
    await ok(['apply', '--server-side', '-f', '-'], cm('mig', '2'));
    const ssa = JSON.parse(await ok(['get', 'cm', 'mig', '-o', 'json', '--show-managed-fields']));
    assert.deepEqual(
      ssa.metadata.managedFields.map((e: { manager: string; operation: string }) => [e.manager, e.operation]),
      [['kubectl', 'Apply']],
    );
    assert.equal(ssa.data.k, '2');
  });

  it('get: table columns, -o yaml, get all, get -w', async () => {
    const table = await ok(['get', 'deploy']);
    assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+0\s+0\s+\d+s\n$/);
    await ok(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n',
    );
    assert.match(
      await ok(['get', 'svc']),
      /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nweb\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s\n$/,
    );
    assert.match(
      await ok(['get', 'deploy', 'web', '-o', 'yaml']),
      /kind: Deployment[\s\S]*resourceVersion: "\d+"/,
    );
    const all = await ok(['get', 'all']);
    assert.match(all, /service\/web/);
    assert.match(all, /deployment.apps\/web/);
    const watch = kubectl(['get', 'cm', '-w', '--output-watch-events'], undefined, 4000);
    await new Promise((r) => setTimeout(r, 1500));
    await ok(['create', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\n');
    const w = await watch;
    assert.match(w.stdout, /ADDED\s+watched/);
  });

  it('generator subcommands (protobuf bodies) create objects', async () => {
    assert.match(await ok(['create', 'namespace', 'gen']), /namespace\/gen created/);
    assert.match(
      await ok(['-n', 'gen', 'create', 'deployment', 'g', '--image=img:1', '--replicas=3', '--port=80']),
      /created/,
    );
    assert.match(await ok(['-n', 'gen', 'create', 'configmap', 'c', '--from-literal=k=v']), /created/);
    assert.match(
      await ok(['-n', 'gen', 'create', 'secret', 'generic', 's', '--from-literal=p=q']),
      /created/,
    );
    assert.match(await ok(['-n', 'gen', 'create', 'service', 'clusterip', 'g', '--tcp=80:8080']), /created/);
    assert.match(
      await ok(['-n', 'gen', 'create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi']),
      /created/,
    );
    assert.match(await ok(['-n', 'gen', 'create', 'serviceaccount', 'robot']), /created/);
    assert.match(
      await ok(['-n', 'gen', 'create', 'pdb', 'p', '--selector=app=g', '--min-available=1']),
      /created/,
    );
    assert.match(await ok(['-n', 'gen', 'create', 'ingress', 'i', '--rule=g.local/=g:80']), /created/);
    assert.equal(
      await ok([
        '-n',
        'gen',
        'get',
        'ingress',
        'i',
        '-o',
        'jsonpath={.spec.rules[0].http.paths[0].backend.service.name}',
      ]),
      'g',
    );
    const d = JSON.parse(await ok(['-n', 'gen', 'get', 'deploy', 'g', '-o', 'json']));
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
    assert.equal(
      await ok(['-n', 'gen', 'get', 'secret', 's', '-o', 'jsonpath={.type} {.data.p}']),
      'Opaque cQ==',
    );
    assert.equal(
      await ok(['-n', 'gen', 'get', 'svc', 'g', '-o', 'jsonpath={.spec.ports[0].targetPort}']),
      '8080',
    );
    assert.match(
      await ok(['-n', 'gen', 'autoscale', 'deploy', 'g', '--min=2', '--max=5', '--cpu-percent=70']),
      /autoscaled/,
    );
    const hpa = JSON.parse(await ok(['-n', 'gen', 'get', 'hpa', 'g', '-o', 'json']));
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec.metrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ]);
    await ok(['delete', 'namespace', 'gen']);
  });

  it('scale uses the /scale subresource', async () => {
    assert.match(await ok(['scale', 'deploy', 'web', '--replicas=5']), /scaled/);
    const res = await fetch(`${server.url}/apis/apps/v1/namespaces/default/deployments/web/scale`);
    const scale = (await res.json()) as { spec: { replicas: number } };
    assert.equal(scale.spec.replicas, 5);
  });

  it('unknown field is a strict decoding error; an invalid value is a 422 with field path', async () => {
    const bogus = deploymentYaml({ image: 'x', env: '', extra: '  bogus: 1\n' }).replace(
      'name: web',
      'name: bad',
    );
    const strict = await kubectl(['apply', '-f', '-'], bogus);
    assert.equal(strict.code, 1);
    assert.match(
      strict.stderr,
      /Error from server \(BadRequest\).*strict decoding error: unknown field "spec.bogus"/,
    );
    const negative = deploymentYaml({ image: 'x', env: '', replicas: -1 }).replace('name: web', 'name: bad');
    const invalid = await kubectl(['apply', '-f', '-'], negative);
    assert.equal(invalid.code, 1);
    assert.match(
      invalid.stderr,
      /The Deployment "bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0/,
    );
  });

  it('delete cascades to owned objects (and --cascade=orphan keeps them)', async () => {
    const uid = await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.uid}']);
    const rs = (name: string) => `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: ${name}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: "${uid}", controller: true}]
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: x}]}
`;
    await ok(['apply', '-f', '-'], rs('web-1'));
    assert.match(await ok(['delete', 'deploy', 'web']), /deployment.apps "web" deleted/);
    assert.match((await kubectl(['get', 'rs', 'web-1'])).stderr, /NotFound/);
    await ok(['apply', '-f', '-'], deploymentYaml({ image: 'a', env: '' }));
    const uid2 = await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.uid}']);
    await ok(['apply', '-f', '-'], rs('web-2').replace(uid, uid2));
    await ok(['delete', 'deploy', 'web', '--cascade=orphan']);
    assert.equal(await ok(['get', 'rs', 'web-2', '-o', 'jsonpath={.metadata.ownerReferences}']), '');
  });

  it('creates a CRD, then a custom resource; bundled CRDs are served', async () => {
    await ok(
      ['create', '-f', '-'],
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wd]}
  scope: Namespaced
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
`,
    );
    const cr = 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n';
    assert.match(await ok(['create', '-f', '-'], cr), /widget.example.com\/w1 created/);
    assert.match(await ok(['apply', '-f', '-'], cr.replace('size: 3', 'size: 4')), /configured/);
    assert.equal(await ok(['get', 'wd', 'w1', '-o', 'jsonpath={.spec.size}']), '4');
    const vs =
      'apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: web}\nspec: {hosts: [web]}\n';
    assert.match(
      await ok(['apply', '--server-side', '-f', '-'], vs),
      /virtualservice.networking.istio.io\/web serverside-applied/,
    );
    assert.match(await ok(['get', 'vs']), /web/);
  });

  it('logs come from the log provider', async () => {
    await ok(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n',
    );
    assert.equal(await ok(['logs', 'p']), 'hello from p/c\n');
    assert.match(
      await ok(['get', 'pods']),
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\np\s+0\/1\s+Pending\s+0\s+\d+s\n$/,
    );
  });
});
