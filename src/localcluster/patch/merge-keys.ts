// Which lists of the built-in kinds merge per element, and by which key: the patchMergeKey of
// strategic merge patch, reused as the associative-list key of server-side apply. Lists not listed
// here are atomic (replaced whole). Custom resources have no merge keys.

/** `primitive` = a set of scalars merged by value (finalizers). */
export type ListMerge = { key: string } | { primitive: true } | undefined;

const BY_NAME = new Set([
  'containers',
  'initContainers',
  'ephemeralContainers',
  'volumes',
  'imagePullSecrets',
  'env',
  'resourceClaims',
]);

/**
 * @param kind the object's kind, or undefined for custom resources (all lists atomic)
 * @param parents the field names leading to the list (no indices), e.g. ['spec','template','spec','containers']
 * @param field the list's field name
 */
export function listMerge(kind: string | undefined, parents: string[], field: string): ListMerge {
  if (kind === undefined) return undefined;
  if (field === 'finalizers' && parents.length === 1 && parents[0] === 'metadata') return { primitive: true };
  if (field === 'ownerReferences' && parents[parents.length - 1] === 'metadata') return { key: 'uid' };
  if (BY_NAME.has(field)) return { key: 'name' };
  const parent = parents[parents.length - 1];
  if (field === 'ports') {
    if (parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers') {
      return { key: 'containerPort' };
    }
    if (kind === 'Service' && parents.length === 1 && parent === 'spec') return { key: 'port' };
    return undefined;
  }
  if (field === 'volumeMounts') return { key: 'mountPath' };
  if (field === 'volumeDevices') return { key: 'devicePath' };
  if (field === 'conditions') return { key: 'type' };
  if (field === 'hostAliases') return { key: 'ip' };
  if (field === 'topologySpreadConstraints') return { key: 'topologyKey' };
  return undefined;
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}
