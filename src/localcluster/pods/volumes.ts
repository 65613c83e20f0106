// ConfigMap and Secret volumes, as the kubelet projects them: each key a file in the volume's
// directory (`items` choose keys and paths), rewritten when the object changes so that a process
// watching the file sees new contents without a restart (what flagd's file mode relies on). Local
// pods are host processes and cannot see a mountPath such as /etc/slipway/flags, so the files live
// under the pod's own directory, `<cluster dir>/pods/<ns>_<pod>/volumes/<volume>/`, and every
// environment variable whose value names a path under a mountPath is rewritten to the projected
// path (FLAGD_OFFLINE_FLAG_SOURCE_PATH=/etc/slipway/flags/flags.json reaches the real file).
// Each file is written to a temporary name and renamed over the old one, so readers never see half
// a file (the kubelet swaps a `..data` symlink to the same end).
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { KubeObject } from '../../shared/kube-types.ts';
import type { Obj } from '../controllers/util.ts';
import type { EnvSource } from './env.ts';

interface KeyToPath {
  key: string;
  path: string;
}

interface Volume {
  name: string;
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { secretName: string; items?: KeyToPath[]; optional?: boolean };
}

export interface ProjectedMount {
  mountPath: string;
  hostPath: string;
}

export function volumesRoot(clusterDir: string, pod: KubeObject): string {
  return join(
    clusterDir,
    'pods',
    `${pod.metadata.namespace ?? 'default'}_${pod.metadata.name ?? ''}`,
    'volumes',
  );
}

const projectable = (v: Volume) => v.configMap !== undefined || v.secret !== undefined;

/** The ConfigMap and Secret names the pod's volumes read (for refreshing them when one changes). */
export function volumeSources(pod: KubeObject): { configMaps: string[]; secrets: string[] } {
  const vols = (((pod.spec as Obj | undefined)?.volumes as Volume[] | undefined) ?? []).filter(projectable);
  return {
    configMaps: vols.flatMap((v) => (v.configMap ? [v.configMap.name] : [])),
    secrets: vols.flatMap((v) => (v.secret ? [v.secret.secretName] : [])),
  };
}

function contents(src: EnvSource, ns: string, v: Volume): Record<string, string> | undefined {
  if (v.configMap) {
    const cm = src.store.get(src.configMaps, ns, v.configMap.name);
    if (!cm) return undefined;
    const out: Record<string, string> = { ...((cm.data as Record<string, string> | undefined) ?? {}) };
    for (const [k, b64] of Object.entries((cm.binaryData as Record<string, string> | undefined) ?? {}))
      out[k] = Buffer.from(b64, 'base64').toString('latin1');
    return out;
  }
  const s = v.secret ? src.store.get(src.secrets, ns, v.secret.secretName) : undefined;
  if (!s) return undefined;
  const out: Record<string, string> = {};
  for (const [k, b64] of Object.entries((s.data as Record<string, string> | undefined) ?? {}))
    out[k] = Buffer.from(b64, 'base64').toString('utf8');
  return out;
}

/** Relative paths only, never out of the volume (the API server refuses `..` in items[].path too). */
function safeRelative(path: string): string | undefined {
  const n = normalize(path);
  return n.startsWith('..') || n.startsWith('/') ? undefined : n;
}

/**
 * Writes every ConfigMap and Secret volume of the pod (a missing object leaves its directory empty:
 * optional volumes behave as in Kubernetes, required ones do not hold the pod back, see the README).
 * Answers the host directory of each projected volume by name.
 */
export function projectVolumes(src: EnvSource, clusterDir: string, pod: KubeObject): Map<string, string> {
  const ns = pod.metadata.namespace ?? 'default';
  const root = volumesRoot(clusterDir, pod);
  const dirs = new Map<string, string>();
  const vols = (((pod.spec as Obj | undefined)?.volumes as Volume[] | undefined) ?? []).filter(projectable);
  for (const v of vols) {
    const dir = join(root, v.name);
    mkdirSync(dir, { recursive: true });
    dirs.set(v.name, dir);
    const data = contents(src, ns, v) ?? {};
    const items = v.configMap?.items ?? v.secret?.items;
    const files = new Map<string, string>();
    for (const it of items ?? Object.keys(data).map((key) => ({ key, path: key }))) {
      const rel = safeRelative(it.path);
      if (rel !== undefined && data[it.key] !== undefined) files.set(rel, data[it.key]!);
    }
    for (const [rel, text] of files) {
      const file = join(dir, rel);
      mkdirSync(dirname(file), { recursive: true });
      const tmp = join(dirname(file), `..tmp-${process.pid}-${rel.replace(/\//g, '_')}`);
      writeFileSync(tmp, text, { mode: v.secret ? 0o600 : 0o644 });
      renameSync(tmp, file);
    }
    // Keys that left the object leave the volume.
    const kept = new Set([...files.keys()].map((f) => f.split('/')[0]));
    for (const entry of readdirSync(dir))
      if (!kept.has(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  return dirs;
}

/** Where a container's volumeMounts of projected volumes are on this machine. */
export function containerMounts(container: Obj, dirs: Map<string, string>): ProjectedMount[] {
  const mounts =
    (container.volumeMounts as Array<{ name: string; mountPath: string; subPath?: string }>) ?? [];
  const out: ProjectedMount[] = [];
  for (const m of mounts) {
    const dir = dirs.get(m.name);
    if (!dir) continue;
    const sub = m.subPath ? safeRelative(m.subPath) : '';
    if (sub === undefined) continue;
    out.push({ mountPath: m.mountPath.replace(/\/+$/, ''), hostPath: sub ? join(dir, sub) : dir });
  }
  // Longest mountPath first, so a nested mount wins over its parent.
  return out.sort((a, b) => b.mountPath.length - a.mountPath.length);
}

/** Env values that name a path under a mountPath point at the projected files instead. */
export function rewriteMountPaths(
  env: Record<string, string>,
  mounts: ProjectedMount[],
): Record<string, string> {
  if (mounts.length === 0) return env;
  const out = { ...env };
  for (const [k, v] of Object.entries(out)) {
    const m = mounts.find((x) => v === x.mountPath || v.startsWith(`${x.mountPath}/`));
    if (m) out[k] = m.hostPath + v.slice(m.mountPath.length);
  }
  return out;
}

export function removeVolumes(clusterDir: string, pod: KubeObject): void {
  rmSync(volumesRoot(clusterDir, pod), { recursive: true, force: true });
}
