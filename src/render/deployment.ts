// The Deployment: one per track. At rest a rolling service has `<service>`, a canary service its stable
// track `<service>` (the release engine adds `<service>-canary` with renderWorkload), a blue-green
// service its active colour `<service>-blue|green`.
import { SlipwayError } from '../shared/errors.ts';
import { buildImageReference, IMAGE_HINTS } from '../shared/image-ref.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { configData, configHash, configMapName } from './configmap.ts';
import {
  type ChartContext,
  copyJson,
  reader,
  restTrack,
  selectorLabels,
  serviceAccountName,
  sortedRecord,
  standardLabels,
  meta as standardMeta,
  type Track,
  type ValuesReader,
  workloadName,
} from './context.ts';
import { secretHash, secretName } from './secret.ts';

type Json = Record<string, unknown>;

export interface WorkloadOptions {
  name: string;
  /** Omitted for a rolling service (its selector then has no track label). */
  track?: Track;
  /** Defaults to the values' count (see desiredReplicas). */
  replicas?: number;
}

/**
 * replicaCount, or with autoscaling max(replicaCount, minReplicas): the Deployment keeps `replicas` even
 * under an HPA so the very first apply starts a sane number of pods; the HPA takes over afterwards.
 */
export function desiredReplicas(ctx: ChartContext): number {
  const v = reader(ctx);
  const count = v.num('replicaCount', 2);
  const hpa = v.sub('autoscaling');
  return hpa.bool('enabled', false) ? Math.max(count, hpa.num('minReplicas', count)) : count;
}

/** The container image: `repo@digest` when a digest is given (the tag is then informational). */
export function imageRef(ctx: ChartContext): string {
  const img = reader(ctx).sub('image');
  const repo = img.str('repository');
  if (!repo) {
    throw new SlipwayError('values', `image.repository is empty for ${ctx.service}`, {
      hint: 'Set image.repository in values/<service>.yaml or `image:` of the service in slipway.yaml.',
      data: { path: 'image.repository' },
    });
  }
  // The values checks name the file and line of a bad part; this is the backstop for a context
  // built by hand, so that no object ever carries an image the registry would refuse.
  const built = buildImageReference(repo, img.str('tag'), img.str('digest'));
  if (built.problem) {
    const { part, message } = built.problem;
    const key = part === 'name' ? 'repository' : part;
    throw new SlipwayError('values', `image.${key} of ${ctx.service}: ${message}`, {
      hint: IMAGE_HINTS[part],
      data: { path: `image.${key}` },
    });
  }
  return built.ref;
}

function rollingParams(ctx: ChartContext): { maxSurge: number | string; maxUnavailable: number | string } {
  const ru = reader(ctx).sub('rollingUpdate');
  const s = ctx.strategy;
  const maxSurge = (s.type !== 'blueGreen' ? s.maxSurge : undefined) ?? ru.intOrPercent('maxSurge') ?? 1;
  const maxUnavailable =
    (s.type === 'rolling' ? s.maxUnavailable : undefined) ?? ru.intOrPercent('maxUnavailable') ?? 0;
  const isZero = (x: number | string) => x === 0 || x === '0%';
  if (isZero(maxSurge) && isZero(maxUnavailable)) {
    throw new SlipwayError('values', `maxSurge and maxUnavailable are both 0 for ${ctx.service}`, {
      hint: 'Kubernetes rejects a rolling update that may neither add nor remove a pod; set maxSurge: 1.',
      data: { path: 'rollingUpdate' },
    });
  }
  return { maxSurge, maxUnavailable };
}

function probe(ctx: ChartContext, which: string): Json | undefined {
  const p = reader(ctx).sub('probes').sub(which);
  if (!p.bool('enabled', false)) return undefined;
  const type = p.str('type', 'http');
  const portRaw = p.raw('port');
  const port = typeof portRaw === 'number' ? portRaw : p.str('port', 'http');
  let action: Json;
  if (type === 'http') action = { httpGet: { path: p.str('path', '/'), port } };
  else if (type === 'tcp') action = { tcpSocket: { port } };
  else if (type === 'exec') {
    const command = p.list('command').map(String);
    if (command.length === 0) {
      throw new SlipwayError('values', `probes.${which}.command is empty but type is exec`, {
        data: { path: `probes.${which}.command` },
        hint: 'Give the command to run, e.g. [cat, /tmp/healthy], or use type http or tcp.',
      });
    }
    action = { exec: { command } };
  } else {
    throw new SlipwayError('values', `probes.${which}.type must be http, tcp or exec, not "${type}"`, {
      data: { path: `probes.${which}.type` },
    });
  }
  const out: Json = { ...action };
  for (const k of [
    'initialDelaySeconds',
    'periodSeconds',
    'timeoutSeconds',
    'failureThreshold',
    'successThreshold',
  ]) {
    const n = p.optNum(k);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

/** Container ports by name (sorted); a null entry removes a port. */
export function containerPorts(v: ValuesReader): Array<{ name: string; containerPort: number }> {
  const m = v.map('ports');
  const out: Array<{ name: string; containerPort: number }> = [];
  for (const name of Object.keys(m).sort()) {
    const n = v.sub('ports').optNum(name);
    if (n !== undefined) out.push({ name, containerPort: n });
  }
  return out;
}

function envVars(ctx: ChartContext): Json[] {
  const v = reader(ctx);
  const plain = v.map('env');
  const refs = v.map('envFrom');
  const byName = new Map<string, Json>();
  for (const name of Object.keys(plain)) {
    const value = plain[name];
    if (value === undefined || value === null) continue;
    if (typeof value === 'object') {
      throw new SlipwayError('values', `env.${name} must be a string, not a map or list`, {
        data: { path: `env.${name}` },
        hint: 'References to Secrets or ConfigMaps go under envFrom: { NAME: { secretKeyRef: {name, key} } }.',
      });
    }
    byName.set(name, { name, value: String(value) });
  }
  for (const name of Object.keys(refs)) {
    const ref = refs[name];
    if (ref === undefined || ref === null) continue;
    const keys = typeof ref === 'object' && !Array.isArray(ref) ? Object.keys(ref) : [];
    const kind = keys[0];
    if (
      keys.length !== 1 ||
      !['secretKeyRef', 'configMapKeyRef', 'fieldRef', 'resourceFieldRef'].includes(kind!)
    ) {
      throw new SlipwayError(
        'values',
        `envFrom.${name} must be one of secretKeyRef, configMapKeyRef, fieldRef`,
        {
          data: { path: `envFrom.${name}` },
          hint: 'e.g. DATABASE_URL: { secretKeyRef: { name: order-service-secrets, key: database-url } }',
        },
      );
    }
    if (byName.has(name)) {
      throw new SlipwayError('values', `environment variable ${name} is set in both env and envFrom`, {
        data: { path: `envFrom.${name}` },
        hint: 'Remove it from one of them (set it to null in a later layer).',
      });
    }
    byName.set(name, { name, valueFrom: copyJson(ref) });
  }
  return [...byName.keys()].sort().map((k) => byName.get(k)!);
}

function resources(v: ValuesReader): Json {
  const r = v.sub('resources');
  const out: Json = {};
  for (const part of ['requests', 'limits']) {
    const m = r.map(part);
    const clean: Json = {};
    for (const k of Object.keys(m).sort()) if (m[k] !== null && m[k] !== undefined) clean[k] = m[k];
    if (Object.keys(clean).length > 0) out[part] = clean;
  }
  return out;
}

function affinity(ctx: ChartContext): Json | undefined {
  const a = reader(ctx).sub('podAntiAffinity');
  const type = a.str('type', 'none');
  const term = {
    labelSelector: { matchLabels: selectorLabels(ctx) },
    topologyKey: a.str('topologyKey', 'kubernetes.io/hostname'),
  };
  if (type === 'preferred') {
    return {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: a.num('weight', 100), podAffinityTerm: term },
        ],
      },
    };
  }
  if (type === 'required')
    return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
  if (type === 'none') return undefined;
  throw new SlipwayError(
    'values',
    `podAntiAffinity.type must be preferred, required or none, not "${type}"`,
    {
      data: { path: 'podAntiAffinity.type' },
    },
  );
}

/** Pod template annotations: values podAnnotations, Prometheus scrape hints, config/secret checksums. */
function podAnnotations(ctx: ChartContext, ports: Array<{ name: string; containerPort: number }>): Json {
  const v = reader(ctx);
  const out: Record<string, string> = { ...v.strMap('podAnnotations') };
  const metrics = v.sub('metrics');
  if (metrics.bool('enabled', false)) {
    const portRaw = metrics.raw('port');
    const port =
      typeof portRaw === 'number'
        ? portRaw
        : ports.find((p) => p.name === metrics.str('port', 'http'))?.containerPort;
    out['prometheus.io/scrape'] = 'true';
    if (port !== undefined) out['prometheus.io/port'] = String(port);
    out['prometheus.io/path'] = metrics.str('path', '/metrics');
  }
  if (Object.keys(configData(ctx)).length > 0) out['checksum/config'] = configHash(ctx);
  if (secretName(ctx)) out['checksum/secret'] = secretHash(ctx);
  return sortedRecord(out);
}

/** A Deployment running this service on one track: the building block of every strategy. */
export function renderWorkload(ctx: ChartContext, o: WorkloadOptions): KubeObject {
  const v = reader(ctx);
  const ports = containerPorts(v);
  const scratch = v.map('scratchVolumes');
  const scratchNames = Object.keys(scratch)
    .filter((k) => scratch[k] !== null && scratch[k] !== undefined)
    .sort();

  const container: Json = { name: ctx.service, image: imageRef(ctx) };
  container.imagePullPolicy = v.sub('image').str('pullPolicy', 'IfNotPresent');
  const command = v.list('command').map(String);
  if (command.length > 0) container.command = command;
  const args = v.list('args').map(String);
  if (args.length > 0) container.args = args;
  if (ports.length > 0) container.ports = ports;
  const env = envVars(ctx);
  if (env.length > 0) container.env = env;
  const envFrom: Json[] = [];
  const cm = configMapName(ctx);
  if (cm) envFrom.push({ configMapRef: { name: cm } });
  const secret = secretName(ctx);
  if (secret) envFrom.push({ secretRef: { name: secret } });
  if (envFrom.length > 0) container.envFrom = envFrom;
  container.resources = resources(v);
  for (const [which, key] of [
    ['startup', 'startupProbe'],
    ['readiness', 'readinessProbe'],
    ['liveness', 'livenessProbe'],
  ] as const) {
    const p = probe(ctx, which);
    if (p) container[key] = p;
  }
  const sc = v.map('securityContext');
  if (Object.keys(sc).length > 0) container.securityContext = copyJson(sc);
  if (scratchNames.length > 0) {
    container.volumeMounts = scratchNames.map((name) => ({ name, mountPath: String(scratch[name]) }));
  }
  if (ctx.flags) {
    // The standard flagd provider variables, so an application's `new FlagdProvider()` reads the file.
    container.env = [
      ...((container.env as Json[] | undefined) ?? []),
      { name: 'FLAGD_RESOLVER', value: 'in-process' },
      { name: 'FLAGD_OFFLINE_FLAG_SOURCE_PATH', value: `${ctx.flags.mountPath}/${ctx.flags.file}` },
    ];
    container.volumeMounts = [
      ...((container.volumeMounts as Json[] | undefined) ?? []),
      { name: 'slipway-flags', mountPath: ctx.flags.mountPath, readOnly: true },
    ];
  }

  const sa = v.sub('serviceAccount');
  const pod: Json = {};
  if (sa.bool('create', true) || sa.str('name')) pod.serviceAccountName = serviceAccountName(ctx);
  pod.automountServiceAccountToken = sa.bool('automountToken', false);
  const psc = v.map('podSecurityContext');
  if (Object.keys(psc).length > 0) pod.securityContext = copyJson(psc);
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) if (v.bool(k, false)) pod[k] = true;
  pod.terminationGracePeriodSeconds = v.num('terminationGracePeriodSeconds', 30);
  const nodeSelector = v.strMap('nodeSelector');
  if (Object.keys(nodeSelector).length > 0) pod.nodeSelector = nodeSelector;
  const tolerations = v.list('tolerations');
  if (tolerations.length > 0) pod.tolerations = copyJson(tolerations);
  const aff = affinity(ctx);
  if (aff) pod.affinity = aff;
  const ts = v.sub('topologySpread');
  if (ts.bool('enabled', false)) {
    pod.topologySpreadConstraints = [
      {
        maxSkew: ts.num('maxSkew', 1),
        topologyKey: ts.str('topologyKey', 'kubernetes.io/hostname'),
        whenUnsatisfiable: ts.str('whenUnsatisfiable', 'ScheduleAnyway'),
        labelSelector: { matchLabels: selectorLabels(ctx) },
      },
    ];
  }
  pod.containers = [container];
  if (scratchNames.length > 0) pod.volumes = scratchNames.map((name) => ({ name, emptyDir: {} }));
  // optional: pods start before the first flag release writes the ConfigMap (flags then answer their
  // code defaults); its later contents reach the mounted file without a restart.
  if (ctx.flags)
    pod.volumes = [
      ...((pod.volumes as Json[] | undefined) ?? []),
      { name: 'slipway-flags', configMap: { name: ctx.flags.configMap, optional: true } },
    ];

  const podLabels = sortedRecord({ ...v.strMap('podLabels'), ...standardLabels(ctx, o.track) });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: standardMeta(ctx, o.name, o.track ? { track: o.track } : {}),
    spec: {
      replicas: o.replicas ?? desiredReplicas(ctx),
      revisionHistoryLimit: v.num('revisionHistoryLimit', 10),
      minReadySeconds: v.num('minReadySeconds', 0),
      progressDeadlineSeconds: v.num('progressDeadlineSeconds', 600),
      selector: { matchLabels: selectorLabels(ctx, o.track) },
      strategy: { type: 'RollingUpdate', rollingUpdate: rollingParams(ctx) },
      template: {
        metadata: { labels: podLabels, annotations: podAnnotations(ctx, ports) },
        spec: pod,
      },
    },
  };
}

/** The Deployment(s) present at rest for the context's strategy. */
export function renderDeployment(ctx: ChartContext): KubeObject[] {
  const track = restTrack(ctx);
  return [
    renderWorkload(ctx, track ? { name: workloadName(ctx, track), track } : { name: workloadName(ctx) }),
  ];
}
