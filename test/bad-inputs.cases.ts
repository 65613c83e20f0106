// The table of test/bad-inputs.test.ts: bad inputs of every kind, each written into a copy of
// test/fixtures/bad-inputs (or given as flags), with where the error must point: a file and the line
// holding `needle`, or the flag as written.

export interface BadInput {
  name: string;
  /** Command line after `-C <copy>`. */
  args: string[];
  /** Whole new content of files of the copy (platform-relative), or a [from, to] replacement. */
  files?: Record<string, string | [string, string]>;
  /** Files outside the platform, for --set-file: name → content (`{file:name}` in args). */
  outside?: Record<string, string>;
  /** The error must name this file at the line holding `needle`… */
  at?: { file: string; needle: string };
  /** …or contain this text (the flag). */
  flag?: string;
  /** And say this too (e.g. a "did you mean"). */
  says?: string;
}

const RENDER = ['render', '--env', 'prod'];
const LINT = ['lint'];

const v = (name: string, yaml: string, needle: string, cmd = RENDER): BadInput => ({
  name: `values.yaml: ${name}`,
  args: cmd,
  files: { 'values.yaml': `${yaml}\n` },
  at: { file: 'values.yaml', needle },
});

const svc = (name: string, yaml: string, needle: string): BadInput => ({
  name: `values/web.yaml: ${name}`,
  args: RENDER,
  files: { 'values/web.yaml': `${yaml}\n` },
  at: { file: 'values/web.yaml', needle },
});

const DESIRED_HEAD = 'apiVersion: slipway.dev/v1\nkind: DesiredState\nenvironment: prod\nservices:\n  web:\n';
const desired = (name: string, web: string, needle: string, cmd = RENDER): BadInput => ({
  name: `environments/prod.yaml: ${name}`,
  args: cmd,
  files: { 'environments/prod.yaml': `${DESIRED_HEAD}${web}\n` },
  at: { file: 'environments/prod.yaml', needle },
});

const platform = (name: string, from: string, to: string, needle: string, says?: string): BadInput => ({
  name: `slipway.yaml: ${name}`,
  args: LINT,
  files: { 'slipway.yaml': [from, to] },
  at: { file: 'slipway.yaml', needle },
  ...(says ? { says } : {}),
});

const flag = (args: string[], shown: string, cmd = RENDER, says?: string): BadInput => ({
  name: `${cmd[0]} ${args.join(' ').slice(0, 60)}`,
  args: [...cmd, ...args],
  flag: shown,
  ...(says ? { says } : {}),
});

const TAG_200 = `v${'1'.repeat(199)}`;
const DIGEST_UPPER = `sha256:${'A'.repeat(64)}`;
const BIG = 'x'.repeat(1024 * 1024 + 10);
const HALF = 'y'.repeat(600 * 1024);
const COND = 'successCondition: result >= 0.99';

export const CASES: BadInput[] = [
  // ---------- values.yaml: known keys ----------
  { ...v('replicaCont', 'replicaCont: 5', 'replicaCont'), says: 'did you mean "replicaCount"' },
  {
    ...v('resources.requets', 'resources:\n  requets:\n    cpu: 1', 'requets'),
    says: 'did you mean "requests"',
  },
  { ...v('imag', 'imag:\n  tag: v1', 'imag:'), says: 'did you mean "image"' },
  v('image.tagg', 'image:\n  tagg: v1', 'tagg'),
  v('probes.readyness', 'probes:\n  readyness:\n    enabled: false', 'readyness'),
  v('autoscaling.enable', 'autoscaling:\n  enable: false', 'enable:'),
  v('service.prot', 'service:\n  prot: 80', 'prot:'),
  v('serviceAccount.nam', 'serviceAccount:\n  nam: x', 'nam:'),
  v('pdb.minAvailabe', 'pdb:\n  minAvailabe: 1', 'minAvailabe'),
  v('ingress.host', 'ingress:\n  host: a.example.com', 'host:'),
  v('unknown key under lint', 'replicaCont: 5', 'replicaCont', LINT),
  // ---------- values.yaml: integer ranges and types ----------
  v('replicaCount -1', 'replicaCount: -1', 'replicaCount'),
  v('replicaCount -1 under lint', 'replicaCount: -1', 'replicaCount', LINT),
  v('replicaCount 1.5', 'replicaCount: 1.5', 'replicaCount'),
  v('replicaCount a string', 'replicaCount: many', 'replicaCount'),
  v('ports.http 70000', 'ports:\n  http: 70000', 'http'),
  v('ports.http 0', 'ports:\n  http: 0', 'http'),
  v('ports.http -80', 'ports:\n  http: -80', 'http'),
  v('port name Bad_Name', 'ports:\n  Bad_Name: 9000', 'Bad_Name'),
  v('service.port 65536', 'service:\n  port: 65536', 'port'),
  v('service.extraPorts.grpc 0', 'service:\n  extraPorts:\n    grpc: 0', 'grpc'),
  v('service.type Headless', 'service:\n  type: Headless', 'type'),
  v('revisionHistoryLimit -1', 'revisionHistoryLimit: -1', 'revisionHistoryLimit'),
  v('terminationGracePeriodSeconds -5', 'terminationGracePeriodSeconds: -5', 'termination'),
  v('minReadySeconds -1', 'minReadySeconds: -1', 'minReadySeconds'),
  v('probes.readiness.port 99999', 'probes:\n  readiness:\n    port: 99999', 'port'),
  v('probes.readiness.periodSeconds 0', 'probes:\n  readiness:\n    periodSeconds: 0', 'periodSeconds'),
  v('probes.liveness.type grpc', 'probes:\n  liveness:\n    type: grpc', 'type'),
  v('autoscaling.minReplicas 0', 'autoscaling:\n  minReplicas: 0', 'minReplicas'),
  v('autoscaling.maxReplicas -2', 'autoscaling:\n  maxReplicas: -2', 'maxReplicas'),
  v('pdb.minAvailable 50 percent', 'pdb:\n  minAvailable: 50 percent', 'minAvailable'),
  v('rollingUpdate.maxSurge -1', 'rollingUpdate:\n  maxSurge: -1', 'maxSurge'),
  v('topologySpread.maxSkew 0', 'topologySpread:\n  maxSkew: 0', 'maxSkew'),
  v('podAntiAffinity.weight 101', 'podAntiAffinity:\n  weight: 101', 'weight'),
  v('env not a map', 'env: FOO=bar', 'env'),
  v('env value a map', 'env:\n  FOO:\n    a: 1', 'a: 1'),
  v('command not a list', 'command: run', 'command'),
  // ---------- values.yaml: quantities ----------
  v('cpu lots', 'resources:\n  requests:\n    cpu: lots', 'cpu'),
  v('memory 1 GB', 'resources:\n  limits:\n    memory: 1 GB', 'memory'),
  v('memory 12Mb', 'resources:\n  limits:\n    memory: 12Mb', 'memory'),
  // ---------- values.yaml: labels, annotations, keys ----------
  v('label value with a space', 'labels:\n  team: a b', 'team'),
  v('label value with a control character', 'labels:\n  team: "a\\x01b"', 'team'),
  v('label value of 64 characters', `labels:\n  team: ${'a'.repeat(64)}`, 'team'),
  v('label value starting with -', 'labels:\n  team: -shop', 'team'),
  v('label key with a space', 'labels:\n  "bad key": x', 'bad key'),
  v('label key with two slashes', 'labels:\n  a/b/c: x', 'a/b/c'),
  v('label key prefix upper case', 'labels:\n  Example.com/team: x', 'Example.com'),
  v('podLabels value with a newline', 'podLabels:\n  tier: "a\\nb"', 'tier'),
  v('nodeSelector value with a space', 'nodeSelector:\n  pool: big pool', 'pool'),
  v('serviceMonitor.labels key', 'serviceMonitor:\n  labels:\n    "-x": y', '-x'),
  v('podAnnotations key with !', 'podAnnotations:\n  "bad key!": x', 'bad key!'),
  v('annotations key with two slashes', 'annotations:\n  a/b/c: x', 'a/b/c'),
  v('config key with a space', 'config:\n  "LOG LEVEL": debug', 'LOG LEVEL'),
  v('secrets key with a slash', 'secrets:\n  tls/key:\n    fromEnv: TLS_KEY', 'tls/key'),
  v('ConfigMap over 1 MiB', `config:\n  BIG: ${BIG}`, 'BIG'),
  v('ingress host with a space', 'ingress:\n  hosts:\n    - Bad Host', 'Bad Host'),
  v('serviceMonitor.interval without unit', 'serviceMonitor:\n  interval: 30', 'interval'),
  // ---------- values.yaml: images ----------
  v('tag with a space', 'image:\n  tag: a b', 'tag'),
  v('tag with a newline', 'image:\n  tag: "v1\\nv2"', 'tag'),
  v('tag of 200 characters', `image:\n  tag: ${TAG_200}`, 'tag'),
  v('tag with :', 'image:\n  tag: "v1:2"', 'tag'),
  v('tag with /', 'image:\n  tag: v1/2', 'tag'),
  v('tag starting with .', 'image:\n  tag: .v1', 'tag'),
  v('tag starting with -', 'image:\n  tag: -v1', 'tag'),
  v('tag under lint', 'image:\n  tag: a b', 'tag', LINT),
  v('digest sha256:zz', 'image:\n  digest: sha256:zz', 'digest'),
  v('digest upper-case hex', `image:\n  digest: ${DIGEST_UPPER}`, 'digest'),
  v('digest without algorithm', `image:\n  digest: ${'a'.repeat(64)}`, 'digest'),
  v('digest sha256 of 63 digits', `image:\n  digest: sha256:${'a'.repeat(63)}`, 'digest'),
  v('repository upper case', 'image:\n  repository: ghcr.io/Shop/Web', 'repository'),
  v('repository with a tag', 'image:\n  repository: ghcr.io/shop/web:v1', 'repository'),
  v('repository with a space', 'image:\n  repository: ghcr.io/shop/my web', 'repository'),
  v('pullPolicy Sometimes', 'image:\n  pullPolicy: Sometimes', 'pullPolicy'),
  // ---------- values/<service>.yaml, values/<env>.yaml, values/<svc>.<env>.yaml ----------
  svc('ports.http 70000', 'ports:\n  http: 70000', 'http'),
  { ...svc('servce', 'servce:\n  port: 80', 'servce'), says: 'did you mean "service"' },
  svc('env value a list', 'env:\n  FEATURE_X: [1, 2]', 'FEATURE_X'),
  svc('podAnnotations key', 'podAnnotations:\n  "/x": y', '/x'),
  svc('labels value with a tab', 'labels:\n  team: "a\\tb"', 'team'),
  {
    name: 'values/prod.yaml: replicaCount -3',
    args: RENDER,
    files: { 'values/prod.yaml': 'replicaCount: -3\n' },
    at: { file: 'values/prod.yaml', needle: 'replicaCount' },
  },
  {
    name: 'values/prod.yaml: resources.limts',
    args: LINT,
    files: { 'values/prod.yaml': 'resources:\n  limts:\n    memory: 1Gi\n' },
    at: { file: 'values/prod.yaml', needle: 'limts' },
    says: 'did you mean "limits"',
  },
  {
    name: 'values/web.prod.yaml: image tag with a space',
    args: RENDER,
    files: { 'values/web.prod.yaml': 'image:\n  tag: v 1\n' },
    at: { file: 'values/web.prod.yaml', needle: 'tag' },
  },
  // ---------- environments/<env>.yaml (desired state) ----------
  desired('version with a space', '    version: v 1', 'version'),
  desired('version of 200 characters', `    version: ${TAG_200}`, 'version'),
  desired('version with :', '    version: "v1:2"', 'version'),
  desired('version with a newline', '    version: "v1\\nx"', 'version'),
  desired('digest sha256:zz', '    digest: sha256:zz', 'digest'),
  desired('replicas -1', '    replicas: -1', 'replicas'),
  desired('unknown field verson', '    verson: v1', 'verson', LINT),
  desired('values.replicaCont', '    values:\n      replicaCont: 3', 'replicaCont'),
  desired('values.ports.http 70000', '    values:\n      ports:\n        http: 70000', 'http'),
  desired('values.labels value', '    values:\n      labels:\n        team: "a b"', 'team', LINT),
  desired('resources cpu lots', '    resources:\n      requests:\n        cpu: lots', 'cpu'),
  desired('hosts with a space', '    hosts: ["Bad Host"]', 'hosts'),
  // ---------- slipway.yaml: analysis conditions and durations ----------
  platform('successCondition result >=', COND, 'successCondition: result >=', 'successCondition'),
  platform('successCondition unclosed (', COND, 'successCondition: (result >= 0.9', 'successCondition'),
  platform(
    'successCondition unknown function',
    COND,
    'successCondition: avg(result) > 1',
    'successCondition',
  ),
  platform('successCondition stray token', COND, 'successCondition: result >= 0.99 0.5', 'successCondition'),
  platform(
    'failureCondition result <',
    'failureCondition: result < 0.9',
    'failureCondition: result <',
    'failureCondition',
  ),
  platform(
    'failureCondition =',
    'failureCondition: result < 0.9',
    'failureCondition: result = 1',
    'failureCondition',
  ),
  platform('interval 0s', 'interval: 30s', 'interval: 0s', 'interval'),
  platform('interval 0ms', 'interval: 30s', 'interval: 0ms', 'interval'),
  platform('interval 0m0s', 'interval: 30s', 'interval: 0m0s', 'interval'),
  platform('interval without unit', 'interval: 30s', 'interval: 30', 'interval'),
  platform('interval -1s', 'interval: 30s', 'interval: -1s', 'interval'),
  platform('interval 5x', 'interval: 30s', 'interval: 5x', 'interval'),
  platform('count 0', 'count: 3', 'count: 0', 'count'),
  platform('pause duration without unit', '- setWeight: 100', '- pause: { duration: 10 }', 'pause'),
  platform('setWeight 150', 'setWeight: 20', 'setWeight: 150', 'setWeight: 150'),
  platform('metric key sucessCondition', COND, 'sucessCondition: result >= 0.99', 'sucessCondition'),
  // ---------- slipway.yaml: roles, names, images ----------
  platform(
    'role group release-manager',
    'deployer: [release-managers]',
    'deployer: [release-manager]',
    'release-manager]',
    'did you mean "release-managers"',
  ),
  platform(
    'role person ana',
    'approver: [anna]',
    'approver: [ana]',
    'approver: [ana]',
    'did you mean "anna"',
  ),
  platform(
    'role group developer',
    "deployer: [developers, '*']",
    'deployer: [developer]',
    'deployer: [developer]',
    'did you mean "developers"',
  ),
  platform(
    'role admin nobody',
    'approver: [anna]',
    'approver: [anna]\n      admin: [nobody]',
    'admin: [nobody]',
  ),
  platform(
    'service image with a tag',
    'image: ghcr.io/shop/web',
    'image: ghcr.io/shop/web:v1',
    'image: ghcr.io/shop/web',
  ),
  platform(
    'service image upper case',
    'image: ghcr.io/shop/api',
    'image: ghcr.io/Shop/api',
    'image: ghcr.io/Shop',
  ),
  platform(
    'service image with a space',
    'image: ghcr.io/shop/api',
    'image: ghcr.io/shop/my api',
    'image: ghcr.io/shop/my',
  ),
  platform('service name Web', '  web:\n    image', '  Web:\n    image', 'Web:'),
  platform('environment name Dev', 'name: dev', 'name: Dev', 'name: Dev'),
  platform(
    'unknown strategy',
    'strategy: canary-checked',
    'strategy: canary-checkd',
    'strategy: canary-checkd',
    'did you mean "canary-checked"',
  ),
  platform(
    'unknown template',
    'templates: [error-rate]',
    'templates: [error-rat]',
    'templates: [error-rat]',
    'did you mean "error-rate"',
  ),
  platform('historyLimit 0', 'policy: relaxed', 'policy: relaxed\n    historyLimit: 0', 'historyLimit'),
  // ---------- flags ----------
  flag(['--set', 'replicaCount=-1'], '--set replicaCount=-1'),
  flag(['--set', 'replicaCont=5'], '--set replicaCont=5', RENDER, 'did you mean "replicaCount"'),
  flag(['--set', 'image.digest=sha256:zz'], '--set image.digest=sha256:zz'),
  flag(['--set', 'image.tag=a:b'], '--set image.tag=a:b'),
  flag(['--set', 'ports.http=70000'], '--set ports.http=70000'),
  flag(['--set', 'service.port=0'], '--set service.port=0'),
  flag(['--set', 'labels.team=a b'], '--set labels.team=a b'),
  flag(['--set', 'resources.requets.cpu=1'], '--set resources.requets.cpu=1'),
  flag(['--set', 'resources.requests.cpu=lots'], '--set resources.requests.cpu=lots'),
  flag(['--set-string', 'image.tag=a b'], '--set-string image.tag=a b'),
  flag(['--set-string', 'labels.team=-bad-'], '--set-string labels.team=-bad-'),
  flag(['--set-string', 'replicaCount=3'], '--set-string replicaCount=3'),
  flag(['--set-json', 'ports={"http":70000}'], '--set-json ports={"http":70000}'),
  flag(['--set-json', 'resources={"requets":{}}'], '--set-json resources={"requets":{}}'),
  flag(['--set-json', 'replicaCount=-1'], '--set-json replicaCount=-1'),
  flag(['--set-json', '{"replicaCont":1}'], '--set-json {"replicaCont":1}'),
  flag(['--set-literal', 'image.tag=a,b'], '--set-literal image.tag=a,b'),
  {
    ...flag(['--set-file', 'config.A={file:a}', '--set-file', 'config.B={file:b}'], '--set-file config.'),
    outside: { a: HALF, b: HALF },
  },
  { ...flag(['--set-file', 'image.tag={file:tag}'], '--set-file image.tag='), outside: { tag: 'v1\n' } },
  flag(['--image-tag', 'a b'], '--image-tag'),
  flag(['--image-tag', TAG_200], '--image-tag'),
  flag(['--image-tag', 'v1:2'], '--image-tag v1:2'),
  flag(['--image-tag', 'v1/2'], '--image-tag v1/2'),
  flag(['--image-tag', 'v1\nv2'], '--image-tag'),
  flag(['--image-tag', ''], '--image-tag'),
  flag(['--digest', 'sha256:zz'], '--digest'),
  flag(['--digest', DIGEST_UPPER], '--digest'),
  flag(['--digest', 'md5:abc'], '--digest'),
  flag(['--set', 'replicaCount=-1'], '--set replicaCount=-1', LINT),
  flag(['--set', 'image.digest=sha256:zz'], '--set image.digest=sha256:zz', LINT),
  flag(['--image-tag', 'a b'], '--image-tag', LINT),
  flag(['--digest', 'sha256:zz'], '--digest', LINT),
];
