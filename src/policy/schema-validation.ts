// Offline schema validation of rendered objects: kubernetes-models' precompiled validators for the
// built-in kinds, an unknown-field walk on top (the upstream schemas allow extra properties, the real
// API server with strict field validation does not), and small schemas for the custom resources the
// chart emits, then the API server's own field checks (shared/api-validation.ts). Pure and
// synchronous; each validator is loaded on first use (require, so no await) and reused. Also used by
// the local cluster's API server for its 422 responses.
import { createRequire } from 'node:module';
import { apiValidation } from '../shared/api-validation.ts';
import { type KubeObject, objectRef } from '../shared/kube-types.ts';
import { crdKinds } from './schemas/crd-schema.ts';
import { CUSTOM_KINDS, type CustomKind, type FieldSpec } from './schemas/custom-resources.ts';
import { K8S_ROOTS, K8S_TYPES } from './schemas/k8s-fields.generated.ts';

export interface SchemaProblem {
  /** kind/namespace/name */
  object: string;
  /** Field path, e.g. spec.template.spec.containers[0].foo ('' for the object itself). */
  path: string;
  message: string;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
type Validator = (data: unknown) => AjvError[];

/** Built-in kinds slipway renders: apiVersion/kind → kubernetes-models module and class. */
const BUILTIN: Record<string, { module: string; className: string }> = {
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', className: 'Deployment' },
  'v1/Service': { module: 'kubernetes-models/v1/Service', className: 'Service' },
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', className: 'ConfigMap' },
  'v1/Secret': { module: 'kubernetes-models/v1/Secret', className: 'Secret' },
  'v1/ServiceAccount': { module: 'kubernetes-models/v1/ServiceAccount', className: 'ServiceAccount' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    className: 'HorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': {
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    className: 'PodDisruptionBudget',
  },
  'networking.k8s.io/v1/Ingress': {
    module: 'kubernetes-models/networking.k8s.io/v1/Ingress',
    className: 'Ingress',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    className: 'NetworkPolicy',
  },
  'batch/v1/Job': { module: 'kubernetes-models/batch/v1/Job', className: 'Job' },
  ...Object.fromEntries(
    ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].map((k) => [
      `rbac.authorization.k8s.io/v1/${k}`,
      { module: `kubernetes-models/rbac.authorization.k8s.io/v1/${k}`, className: k },
    ]),
  ),
};

const CUSTOM = new Map<string, CustomKind>();
for (const c of [...CUSTOM_KINDS, ...crdKinds()])
  for (const v of c.apiVersions) CUSTOM.set(`${v}/${c.kind}`, c);

/** Every apiVersion/kind validateObject knows, e.g. `apps/v1/Deployment`. */
export function knownKinds(): string[] {
  return [...Object.keys(BUILTIN), ...CUSTOM.keys()];
}

let requireFn: NodeJS.Require | undefined;
const validators = new Map<string, Validator>();

function builtinValidator(key: string): Validator | undefined {
  const entry = BUILTIN[key];
  if (!entry) return undefined;
  let v = validators.get(key);
  if (!v) {
    requireFn ??= createRequire(import.meta.url);
    const mod = requireFn(entry.module) as Record<string, { prototype: { validate(this: unknown): void } }>;
    const cls = mod[entry.className];
    if (!cls) throw new Error(`kubernetes-models has no ${entry.className} in ${entry.module}`);
    const run = cls.prototype.validate;
    v = (data: unknown) => {
      try {
        run.call(data);
        return [];
      } catch (e) {
        const errors = (e as { errors?: AjvError[] }).errors;
        if (!errors) throw e;
        return errors;
      }
    };
    validators.set(key, v);
  }
  return v;
}

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image` */
export function pointerToPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  }
  return out;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function ajvMessage(e: AjvError): { path: string; message: string } {
  const path = pointerToPath(e.instancePath);
  switch (e.keyword) {
    case 'required':
      return { path: join(path, String(e.params.missingProperty)), message: 'required field is missing' };
    case 'enum':
      return {
        path,
        message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'type':
      return { path, message: `must be ${String(e.params.type)}` };
    case 'format':
      return { path, message: `must be a valid ${String(e.params.format)}` };
    default:
      return { path, message: e.message ?? `fails ${e.keyword}` };
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `spec.template.spec.containers[0]` from path segments (numbers are list indices). */
function segsToPath(segs: readonly (string | number)[]): string {
  let out = '';
  for (const s of segs) out += typeof s === 'number' ? `[${s}]` : out ? `.${s}` : s;
  return out;
}

/**
 * Reports fields the generated field table does not know (strict field validation). The path is kept
 * as a stack of segments and only turned into a string for a problem: most objects have none.
 */
function walkBuiltin(
  value: unknown,
  type: string,
  segs: (string | number)[],
  out: Array<{ path: string; message: string }>,
): void {
  const fields = K8S_TYPES[type];
  if (!fields || !isMap(value)) return;
  for (const key in value) {
    const ref = fields[key];
    if (ref === undefined) {
      segs.push(key);
      out.push({ path: segsToPath(segs), message: `unknown field "${key}"` });
      segs.pop();
      continue;
    }
    const child = value[key];
    if (ref === '' || child === null || typeof child !== 'object') continue;
    segs.push(key);
    const kind = ref.charCodeAt(0) === 91 /* [ */ ? 1 : ref.charCodeAt(0) === 123 /* { */ ? 2 : 0;
    if (kind === 1) {
      if (Array.isArray(child)) {
        const t = ref.slice(2);
        for (let i = 0; i < child.length; i++) {
          segs.push(i);
          walkBuiltin(child[i], t, segs, out);
          segs.pop();
        }
      }
    } else if (kind === 2) {
      if (isMap(child)) {
        const t = ref.slice(2);
        for (const k in child) {
          segs.push(k);
          walkBuiltin(child[k], t, segs, out);
          segs.pop();
        }
      }
    } else {
      walkBuiltin(child, ref, segs, out);
    }
    segs.pop();
  }
}

function checkCustom(
  value: unknown,
  spec: FieldSpec,
  path: string,
  out: Array<{ path: string; message: string }>,
): void {
  if (value === undefined) return;
  switch (spec.t) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') out.push({ path, message: 'must be string' });
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value))
        out.push({ path, message: 'must be integer' });
      return;
    case 'number':
      if (typeof value !== 'number') out.push({ path, message: 'must be number' });
      return;
    case 'boolean':
      if (typeof value !== 'boolean') out.push({ path, message: 'must be boolean' });
      return;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value))
        out.push({ path, message: `must be one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}` });
      return;
    case 'intOrString':
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value)))
        out.push({ path, message: 'must be integer or string' });
      return;
    case 'k8s':
      if (!isMap(value)) out.push({ path, message: 'must be object' });
      else walkBuiltin(value, spec.type, path ? [path] : [], out);
      return;
    case 'array':
      if (!Array.isArray(value)) out.push({ path, message: 'must be array' });
      else for (let i = 0; i < value.length; i++) checkCustom(value[i], spec.items, `${path}[${i}]`, out);
      return;
    case 'map':
      if (!isMap(value)) out.push({ path, message: 'must be object' });
      else for (const k of Object.keys(value)) checkCustom(value[k], spec.values, join(path, k), out);
      return;
    case 'object':
      if (!isMap(value)) {
        out.push({ path, message: 'must be object' });
        return;
      }
      for (const r of spec.required ?? []) {
        if (value[r] === undefined || value[r] === null)
          out.push({ path: join(path, r), message: 'required field is missing' });
      }
      for (const k of Object.keys(value)) {
        const child = spec.props[k];
        if (!child) out.push({ path: join(path, k), message: `unknown field "${k}"` });
        else checkCustom(value[k], child, join(path, k), out);
      }
  }
}

/** Validates one object against its kind's schema; an empty list means valid. */
export function validateObject(obj: KubeObject): SchemaProblem[] {
  const ref =
    isMap(obj) && isMap(obj.metadata) ? objectRef(obj) : `${String((obj as { kind?: unknown })?.kind)}/?`;
  const found: Array<{ path: string; message: string }> = [];
  if (!isMap(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    return [{ object: ref, path: '', message: 'an object needs string apiVersion and kind' }];
  }
  const key = `${obj.apiVersion}/${obj.kind}`;
  const validator = builtinValidator(key);
  if (validator) {
    for (const e of validator(obj)) found.push(ajvMessage(e));
    walkBuiltin(obj, K8S_ROOTS[key] ?? '', [], found);
  } else {
    const custom = CUSTOM.get(key);
    if (!custom) {
      const sameKind = knownKinds().filter((k) => k.endsWith(`/${obj.kind}`));
      const hint =
        sameKind.length > 0
          ? ` (known for ${obj.kind}: ${sameKind.map((k) => k.slice(0, -obj.kind.length - 1)).join(', ')})`
          : '';
      return [
        {
          object: ref,
          path: 'apiVersion',
          message: `unknown kind ${obj.kind} in apiVersion ${obj.apiVersion}${hint}`,
        },
      ];
    }
    checkCustom(obj, custom.schema, '', found);
  }
  // What the API server checks beyond the schema (names, label syntax, ranges, sizes): only on an
  // object that is well-formed, as the API server validates after decoding.
  if (found.length === 0) found.push(...apiValidation(obj));
  if (!obj.metadata?.name && !obj.metadata?.generateName) {
    found.push({ path: 'metadata.name', message: 'required field is missing' });
  }
  if (found.length === 0) return [];
  // De-duplicate: ajv and the walk can report the same path twice (e.g. a required field).
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const f of found) {
    const k = `${f.path}\0${f.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ object: ref, path: f.path, message: f.message });
  }
  return out;
}
