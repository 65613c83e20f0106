// Create, update, patch (JSON, merge, strategic, server-side apply) and delete over the store, with
// validation, fieldValidation and field-manager bookkeeping.
import type { KubeObject } from '../../shared/kube-types.ts';
import { recordUpdate, serverSideApply } from '../patch/apply.ts';
import { applyJsonPatch, applyMergePatch } from '../patch/json-patch.ts';
import { isObject, type Json, type JsonObject } from '../patch/merge-keys.ts';
import { applyStrategicMergePatch } from '../patch/strategic.ts';
import type { ResourceInfo } from '../resources/builtin.ts';
import { builtinValidation } from '../resources/validation.ts';
import { ApiStatusError, badRequest, invalid, notFound } from '../store/errors.ts';
import {
  type FieldManagers,
  type ManagerStamps,
  parseManagedFields,
  sameOwnership,
} from '../store/managed-fields.ts';
import type { DeleteOptions } from '../store/types.ts';
import type { HandlerContext } from './context.ts';
import { queryBool } from './query.ts';

export interface WriteRequest {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
  /** Who writes: the fieldManager parameter, else the User-Agent's product name. */
  manager: string;
  warnings: string[];
}

export const isDryRun = (q: URLSearchParams) => q.getAll('dryRun').includes('All');
const apiVersionOf = (i: ResourceInfo) => (i.group ? `${i.group}/${i.version}` : i.version);

function asObject(body: unknown, what = 'object'): KubeObject {
  if (!isObject(body as Json)) throw badRequest(`the body of the request must be a JSON ${what}`);
  const o = body as KubeObject;
  o.metadata ??= {};
  return o;
}

/** Checks the body against the URL: apiVersion, kind, namespace, name. */
function checkIdentity(r: WriteRequest, o: KubeObject): void {
  const want = apiVersionOf(r.info);
  if (o.apiVersion !== undefined && o.apiVersion !== want) {
    throw badRequest(
      `the API version in the data (${o.apiVersion}) does not match the expected API version (${want})`,
    );
  }
  if (o.kind !== undefined && o.kind !== r.info.kind) {
    throw badRequest(`the kind in the data (${o.kind}) does not match the expected kind (${r.info.kind})`);
  }
  o.apiVersion = want;
  o.kind = r.info.kind;
  if (r.info.namespaced) {
    if (o.metadata.namespace && r.namespace && o.metadata.namespace !== r.namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (r.namespace) o.metadata.namespace = r.namespace;
  }
  if (r.name !== undefined && o.metadata.name !== undefined && o.metadata.name !== r.name) {
    throw badRequest(
      `the name of the object (${o.metadata.name}) does not match the name on the URL (${r.name})`,
    );
  }
  if (r.name !== undefined) o.metadata.name = r.name;
}

const UNKNOWN = /unknown field/i;

/** Runs the injected validator; unknown fields follow fieldValidation (Strict/Warn/Ignore). */
function validate(ctx: HandlerContext, r: WriteRequest, o: KubeObject): void {
  if (r.subresource) return;
  // The API server's own checks always run; the injected validator adds schema checks.
  // An injected validator may repeat a built-in check (slipway's shares them): each cause once.
  const seen = new Set<string>();
  const problems = [...builtinValidation(o), ...(ctx.validate?.(o) ?? [])].filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const mode = r.query.get('fieldValidation') ?? 'Warn';
  const unknown = problems.filter((p) => UNKNOWN.test(p.message));
  const other = problems.filter((p) => !UNKNOWN.test(p.message));
  if (other.length) {
    throw invalid(
      r.info.group,
      r.info.kind,
      o.metadata.name ?? '',
      other.map((p) => ({ field: p.path, message: p.message })),
    );
  }
  const texts = unknown.map((p) => `unknown field "${p.path.replace(/^\./, '')}"`);
  if (!texts.length || mode === 'Ignore') return;
  if (mode === 'Strict') throw badRequest(`strict decoding error: ${texts.join(', ')}`);
  r.warnings.push(...texts);
}

type Ownership = { managers: FieldManagers; stamps: ManagerStamps };

/**
 * Ownership a client wrote in metadata.managedFields, when it differs from what the object has
 * (kubectl's client-side → server-side apply migration replaces it with a JSON patch). Absent or
 * `[]` leaves it alone, as the API server does; `[{}]` resets it.
 */
function givenOwnership(ctx: HandlerContext, o: KubeObject, uid: string | undefined): Ownership | undefined {
  const parsed = parseManagedFields(o.metadata.managedFields);
  if (!parsed || (o.metadata.managedFields as unknown[]).length === 0) return undefined;
  const current = uid ? { managers: ctx.managersOf(uid), stamps: ctx.stampsOf(uid) } : undefined;
  if (current && sameOwnership(parsed, current)) return undefined;
  return parsed;
}

function writer(r: WriteRequest, op: 'apply' | 'update', before: KubeObject | undefined, after: KubeObject) {
  return {
    key: `${op}:${r.manager}`,
    apiVersion: apiVersionOf(r.info),
    changed: before?.metadata.resourceVersion !== after.metadata.resourceVersion,
  };
}

function track(
  ctx: HandlerContext,
  r: WriteRequest,
  before: KubeObject | undefined,
  after: KubeObject,
  given?: Ownership,
): void {
  const uid = after.metadata.uid;
  if (!uid || isDryRun(r.query)) return;
  const kind = r.info.custom ? undefined : r.info.kind;
  const prev = given?.managers ?? (before ? ctx.managersOf(uid) : {});
  ctx.setManagers(
    uid,
    recordUpdate(before as unknown as JsonObject, after as unknown as JsonObject, r.manager, prev, kind),
    writer(r, 'update', before, after),
    given?.stamps ?? (before ? undefined : {}),
  );
}

export function createObject(ctx: HandlerContext, r: WriteRequest, body: unknown): KubeObject {
  const o = asObject(body);
  checkIdentity(r, o);
  validate(ctx, r, o);
  const given = givenOwnership(ctx, o, undefined);
  const created = ctx.store.create(r.info, o, { dryRun: isDryRun(r.query) });
  track(ctx, r, undefined, created, given);
  return ctx.present(created);
}

/** PUT of the object, or of its status subresource. */
export function replaceObject(ctx: HandlerContext, r: WriteRequest, body: unknown): KubeObject {
  const o = asObject(body);
  checkIdentity(r, o);
  const before = ctx.store.get(r.info, r.namespace, r.name as string);
  if (!before) throw notFound(r.info.group, r.info.plural, r.name as string);
  validate(ctx, r, o);
  const given = givenOwnership(ctx, o, before.metadata.uid);
  const opts = {
    dryRun: isDryRun(r.query),
    ...(r.subresource === 'status' ? { subresource: 'status' as const } : {}),
  };
  const updated = ctx.store.update(r.info, o, opts);
  track(ctx, r, before, updated, given);
  return ctx.present(updated);
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export function patchedDocument(
  info: ResourceInfo,
  live: KubeObject,
  contentType: string,
  patch: unknown,
): KubeObject {
  const doc = live as unknown as JsonObject;
  let out: Json;
  if (contentType.startsWith(PATCH_TYPES.json)) out = applyJsonPatch(doc, patch);
  else if (contentType.startsWith(PATCH_TYPES.merge)) out = applyMergePatch(doc, patch as Json);
  else if (contentType.startsWith(PATCH_TYPES.strategic)) {
    if (info.custom) {
      throw new ApiStatusError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.json}, ${PATCH_TYPES.merge}, ${PATCH_TYPES.apply}`,
      );
    }
    out = applyStrategicMergePatch(doc, patch as JsonObject, info.kind);
  } else {
    throw new ApiStatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${Object.values(PATCH_TYPES).join(', ')}`,
    );
  }
  if (!isObject(out)) throw badRequest('the patch did not produce an object');
  return out as unknown as KubeObject;
}

/** PATCH of the object or its status. Returns the object and whether it was created (apply). */
export function patchObject(
  ctx: HandlerContext,
  r: WriteRequest,
  contentType: string,
  patch: unknown,
): { object: KubeObject; created: boolean } {
  const name = r.name as string;
  const live = ctx.store.get(r.info, r.namespace, name);
  if (contentType.startsWith(PATCH_TYPES.apply)) return applyObject(ctx, r, live, patch);
  if (!live) throw notFound(r.info.group, r.info.plural, name);
  // The patch sees what a client reads, managedFields included (JSON patches may replace them).
  const next = patchedDocument(r.info, ctx.present(live), contentType, patch);
  checkIdentity(r, next);
  validate(ctx, r, next);
  const given = givenOwnership(ctx, next, live.metadata.uid);
  const opts = {
    dryRun: isDryRun(r.query),
    ...(r.subresource === 'status' ? { subresource: 'status' as const } : {}),
    ...(next.metadata.resourceVersion ? { resourceVersion: next.metadata.resourceVersion } : {}),
  };
  const updated = ctx.store.update(r.info, next, opts);
  track(ctx, r, live, updated, given);
  return { object: ctx.present(updated), created: false };
}

function applyObject(
  ctx: HandlerContext,
  r: WriteRequest,
  live: KubeObject | undefined,
  body: unknown,
): { object: KubeObject; created: boolean } {
  const manager = r.query.get('fieldManager');
  if (!manager) throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
  const applied = asObject(body);
  if (!applied.apiVersion || !applied.kind) {
    throw badRequest('apiVersion and kind must be set in an apply request');
  }
  checkIdentity(r, applied);
  const kind = r.info.custom ? undefined : r.info.kind;
  const force = queryBool(r.query, 'force');
  const dryRun = isDryRun(r.query);
  if (!live) {
    validate(ctx, r, applied);
    const created = ctx.store.create(r.info, applied, { dryRun });
    if (!dryRun) {
      const res = serverSideApply(undefined, applied as unknown as JsonObject, manager, {}, kind, true);
      const w = { key: `apply:${manager}`, apiVersion: apiVersionOf(r.info), changed: true };
      ctx.setManagers(created.metadata.uid as string, res.managers, w, {});
    }
    return { object: ctx.present(created), created: true };
  }
  const uid = live.metadata.uid as string;
  const res = serverSideApply(
    live as unknown as JsonObject,
    applied as unknown as JsonObject,
    manager,
    ctx.managersOf(uid),
    kind,
    force,
  );
  if (res.conflicts.length) throw applyConflict(r.info, res.conflicts);
  const next = res.object as unknown as KubeObject;
  validate(ctx, r, next);
  const opts = { dryRun, ...(r.subresource === 'status' ? { subresource: 'status' as const } : {}) };
  const updated = ctx.store.update(r.info, next, opts);
  if (!dryRun) {
    const w = { key: `apply:${manager}`, apiVersion: apiVersionOf(r.info), changed: false };
    w.changed = live.metadata.resourceVersion !== updated.metadata.resourceVersion;
    ctx.setManagers(uid, res.managers, w);
  }
  return { object: ctx.present(updated), created: false };
}

function applyConflict(
  info: ResourceInfo,
  conflicts: Array<{ manager: string; field: string }>,
): ApiStatusError {
  const gv = apiVersionOf(info);
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  const n = conflicts.length;
  let message = `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: `;
  if (n === 1) {
    const c = conflicts[0] as { manager: string; field: string };
    message += `conflict with "${c.manager}" using ${gv}: ${c.field}`;
  } else {
    message += [...byManager]
      .map(([m, fs]) => `conflicts with "${m}" using ${gv}:\n${fs.map((f) => `- ${f}`).join('\n')}`)
      .join('\n');
  }
  return new ApiStatusError(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with "${c.manager}" using ${gv}`,
      field: c.field,
    })),
  });
}

export function deleteObject(
  ctx: HandlerContext,
  r: WriteRequest,
  body: unknown,
): { object: KubeObject; gone: boolean } {
  const opts: DeleteOptions = {};
  const b = isObject(body as Json) ? (body as Record<string, unknown>) : {};
  const policy = (b.propagationPolicy as string | undefined) ?? r.query.get('propagationPolicy') ?? undefined;
  if (policy) {
    if (policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
      throw invalid(r.info.group, r.info.kind, r.name ?? '', [
        { field: 'propagationPolicy', message: `Unsupported value: "${policy}"` },
      ]);
    }
    opts.propagationPolicy = policy;
  } else if (b.orphanDependents === true || queryBool(r.query, 'orphanDependents')) {
    opts.propagationPolicy = 'Orphan';
  }
  const dryRun = isDryRun(r.query) || (Array.isArray(b.dryRun) && b.dryRun.includes('All'));
  if (dryRun) opts.dryRun = true;
  const precondition = (b.preconditions as { resourceVersion?: string; uid?: string } | undefined) ?? {};
  const live = ctx.store.get(r.info, r.namespace, r.name as string);
  if (!live) throw notFound(r.info.group, r.info.plural, r.name as string);
  if (precondition.uid && precondition.uid !== live.metadata.uid) {
    throw new ApiStatusError(
      409,
      'Conflict',
      `Precondition failed: UID in precondition: ${precondition.uid}, UID in object meta: ${live.metadata.uid}`,
    );
  }
  if (precondition.resourceVersion && precondition.resourceVersion !== live.metadata.resourceVersion) {
    throw new ApiStatusError(
      409,
      'Conflict',
      `Precondition failed: ResourceVersion in precondition: ${precondition.resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`,
    );
  }
  const object = ctx.store.delete(r.info, r.namespace, r.name as string, opts);
  const gone = dryRun
    ? !live.metadata.finalizers?.length
    : !ctx.store.get(r.info, r.namespace, r.name as string);
  return { object, gone };
}
