// A container's environment as the kubelet builds it: envFrom ConfigMaps/Secrets, then env values with
// `$(VAR)` expansion and valueFrom (configMapKeyRef, secretKeyRef, fieldRef), plus the variables the
// local cluster adds so a mapped process can bind the pod's own address.
import type { KubeObject } from '../../shared/kube-types.ts';
import type { Obj } from '../controllers/util.ts';
import type { ObjectStore, ResourceType } from '../store/types.ts';

export interface EnvSource {
  store: ObjectStore;
  configMaps: ResourceType;
  secrets: ResourceType;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string };
  };
}

interface EnvFrom {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export class EnvError extends Error {}

function configData(
  src: EnvSource,
  ns: string,
  kind: 'cm' | 'secret',
  name: string,
): Record<string, string> | undefined {
  const o = src.store.get(kind === 'cm' ? src.configMaps : src.secrets, ns, name);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  if (kind === 'cm') {
    Object.assign(out, (o.data as Record<string, string> | undefined) ?? {});
  } else {
    for (const [k, v] of Object.entries((o.data as Record<string, string> | undefined) ?? {})) {
      out[k] = Buffer.from(v, 'base64').toString('utf8');
    }
    Object.assign(out, (o.stringData as Record<string, string> | undefined) ?? {});
  }
  return out;
}

function fieldValue(pod: KubeObject, path: string, ip: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return pod.metadata[m[1] as 'labels' | 'annotations']?.[m[2]!] ?? '';
  const spec = (pod.spec as Obj | undefined) ?? {};
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return 'local';
    case 'spec.serviceAccountName':
      return String(spec.serviceAccountName ?? 'default');
    case 'status.podIP':
    case 'status.podIPs':
      return ip;
    case 'status.hostIP':
    case 'status.hostIPs':
      return '127.0.0.1';
    default:
      return '';
  }
}

const expandRe = /\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\$/g;

/** Kubernetes' $(VAR) expansion: defined variables are replaced, `$$` is `$`, anything else stays. */
export function expandVars(raw: string, env: Record<string, string>): string {
  return raw.replace(expandRe, (all, name: string | undefined) =>
    all === '$$' ? '$' : name !== undefined && env[name] !== undefined ? env[name]! : all,
  );
}

/** Builds the environment; throws EnvError (CreateContainerConfigError) for a missing required ref. */
export function containerEnv(
  src: EnvSource,
  pod: KubeObject,
  container: Obj,
  ip: string,
  base: Record<string, string>,
): Record<string, string> {
  const ns = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = { ...base };
  const ports = (container.ports as Array<{ containerPort: number }> | undefined) ?? [];
  if (ports[0]) env.PORT = String(ports[0].containerPort);
  env.POD_NAME = pod.metadata.name ?? '';
  env.POD_NAMESPACE = ns;
  for (const ef of (container.envFrom as EnvFrom[] | undefined) ?? []) {
    const ref = ef.configMapRef ?? ef.secretRef;
    if (!ref) continue;
    const data = configData(src, ns, ef.configMapRef ? 'cm' : 'secret', ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new EnvError(`${ef.configMapRef ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) env[(ef.prefix ?? '') + k] = v;
  }
  for (const e of (container.env as EnvVar[] | undefined) ?? []) {
    if (e.valueFrom) {
      const vf = e.valueFrom;
      const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
      if (ref) {
        const kind = vf.configMapKeyRef ? 'cm' : 'secret';
        const data = configData(src, ns, kind, ref.name);
        const v = data?.[ref.key];
        if (v === undefined) {
          if (ref.optional) continue;
          throw new EnvError(
            data
              ? `couldn't find key ${ref.key} in ${kind === 'cm' ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name}`
              : `${kind === 'cm' ? 'configmap' : 'secret'} "${ref.name}" not found`,
          );
        }
        env[e.name] = v;
      } else if (vf.fieldRef) {
        env[e.name] = fieldValue(pod, vf.fieldRef.fieldPath, ip);
      } else if (vf.resourceFieldRef) {
        env[e.name] = resourceValue(container, vf.resourceFieldRef.resource);
      }
    } else {
      env[e.name] = expandVars(e.value ?? '', env);
    }
  }
  // The process must bind its own pod address, whatever the manifest says.
  env.HOST = ip;
  return env;
}

function resourceValue(container: Obj, resource: string): string {
  const [section, name] = resource.split('.');
  const res = (container.resources as Obj | undefined) ?? {};
  const v = (res[section ?? ''] as Obj | undefined)?.[name ?? ''];
  return v === undefined ? '0' : String(v);
}
