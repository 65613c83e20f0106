// The field checks the Kubernetes API server makes on the objects slipway renders, with its limits
// and (shortened) messages: DNS-1123 names, label and annotation syntax, integer ranges (replicas,
// ports), ConfigMap/Secret size. Pure; shared by the offline schema validation (policy/), the values
// checks (config/) and the local cluster's API server (422 Invalid), so all three refuse alike.
// Upstream: k8s.io/apimachinery/pkg/util/validation, pkg/apis/core/validation, apps/validation.
import type { KubeObject } from './kube-types.ts';

export interface FieldProblem {
  path: string;
  message: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** resource.Quantity's text form: a signed decimal number with an optional suffix. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** The total size of a ConfigMap's or Secret's data (core/validation MaxSecretSize). */
export const MAX_DATA_BYTES = 1024 * 1024;
/** The total size of an object's annotations (TotalAnnotationSizeLimitB). */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

export function dnsLabelProblem(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!DNS_LABEL.test(v))
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
  return undefined;
}

export function dnsSubdomainProblem(v: string): string | undefined {
  if (v.length > 253) return 'must be no more than 253 characters';
  if (!DNS_SUBDOMAIN.test(v))
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

/** A label or annotation key: an optional DNS-subdomain prefix and `/`, then a name of at most 63. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return "a qualified name may contain at most one '/'";
  const name = parts.at(-1)!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') return 'prefix part must be non-empty';
    const p = dnsSubdomainProblem(prefix);
    if (p) return `prefix part ${p}`;
  }
  if (name === '') return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!QUALIFIED_NAME.test(name))
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

/** An annotation key: a qualified name, case-insensitively (ValidateAnnotations). */
export function annotationProblem(key: string): string | undefined {
  return qualifiedNameProblem(key.toLowerCase());
}

export function labelValueProblem(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!LABEL_VALUE.test(v))
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

/** A key of ConfigMap or Secret data (IsConfigMapKey). */
export function configKeyProblem(key: string): string | undefined {
  if (key.length > 253) return 'must be no more than 253 characters';
  if (!CONFIG_KEY.test(key))
    return "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
  if (key === '.' || key === '..' || key.startsWith('..'))
    return 'must not be "." or ".." or start with ".."';
  return undefined;
}

export function portProblem(v: unknown, min = 1): string | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v)) return 'must be an integer';
  if (v < min || v > 65535) return `must be between ${min} and 65535, inclusive`;
  return undefined;
}

/** A container port name or number (probes' port, a Service's targetPort). */
export function portOrNameProblem(v: unknown): string | undefined {
  if (typeof v === 'number') return portProblem(v);
  if (typeof v !== 'string') return 'must be an integer or a port name';
  if (v.length > 15) return 'a port name must be no more than 15 characters';
  if (!PORT_NAME.test(v) || !/[a-z]/.test(v) || v.includes('--'))
    return "a port name must contain only lower case alphanumeric characters or '-', at least one letter, and start and end with an alphanumeric character";
  return undefined;
}

export function quantityProblem(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : 'must be a quantity';
  if (typeof v !== 'string' || !QUANTITY.test(v))
    return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  return undefined;
}

export function nonNegativeProblem(v: unknown): string | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v)) return 'must be an integer';
  return v < 0 ? 'must be greater than or equal to 0' : undefined;
}

/** Size in bytes of a ConfigMap's data (UTF-8) plus binaryData (decoded base64). */
export function dataBytes(data: unknown, binary?: unknown): number {
  let n = 0;
  for (const [k, v] of Object.entries(isMap(data) ? data : {})) n += k.length + Buffer.byteLength(String(v));
  for (const [k, v] of Object.entries(isMap(binary) ? binary : {}))
    n += k.length + Math.floor((String(v).length * 3) / 4);
  return n;
}

type Obj = Record<string, unknown>;
function isMap(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(out: FieldProblem[], path: string, value: unknown, why: string | undefined): void {
  if (why) out.push({ path, message: `Invalid value: ${shown(value)}: ${why}` });
}

function checkMeta(
  meta: unknown,
  path: string,
  out: FieldProblem[],
  name?: (n: string) => string | undefined,
) {
  if (!isMap(meta)) return;
  if (name && typeof meta.name === 'string') invalid(out, `${path}.name`, meta.name, name(meta.name));
  for (const [k, v] of Object.entries(isMap(meta.labels) ? meta.labels : {})) {
    invalid(out, `${path}.labels`, k, qualifiedNameProblem(k));
    if (typeof v === 'string') invalid(out, `${path}.labels`, v, labelValueProblem(v));
  }
  let annotationBytes = 0;
  for (const [k, v] of Object.entries(isMap(meta.annotations) ? meta.annotations : {})) {
    invalid(out, `${path}.annotations`, k, annotationProblem(k));
    annotationBytes += k.length + String(v).length;
  }
  if (annotationBytes > MAX_ANNOTATIONS_BYTES)
    out.push({
      path: `${path}.annotations`,
      message: `Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes`,
    });
}

function checkPodSpec(spec: unknown, path: string, out: FieldProblem[]): void {
  if (!isMap(spec)) return;
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = Array.isArray(spec[list]) ? (spec[list] as unknown[]) : [];
    containers.forEach((c, i) => {
      if (!isMap(c)) return;
      const at = `${path}.${list}[${i}]`;
      if (typeof c.image === 'string' && c.image.trim() !== c.image)
        invalid(out, `${at}.image`, c.image, 'must not have leading or trailing whitespace');
      const ports = Array.isArray(c.ports) ? c.ports : [];
      ports.forEach((p: unknown, j: number) => {
        if (!isMap(p)) return;
        invalid(out, `${at}.ports[${j}].containerPort`, p.containerPort, portProblem(p.containerPort));
        if (p.hostPort !== undefined)
          invalid(out, `${at}.ports[${j}].hostPort`, p.hostPort, portProblem(p.hostPort, 0));
      });
      const res = isMap(c.resources) ? c.resources : {};
      for (const kind of ['requests', 'limits'] as const) {
        for (const [k, q] of Object.entries(isMap(res[kind]) ? res[kind] : {}))
          invalid(out, `${at}.resources.${kind}[${k}]`, q, quantityProblem(q));
      }
    });
  }
}

/** Every API-server check slipway knows for one object; field paths as kubectl prints them. */
export function apiValidation(o: KubeObject): FieldProblem[] {
  const out: FieldProblem[] = [];
  if (!isMap(o)) return out;
  const spec = isMap(o.spec) ? (o.spec as Obj) : {};
  const nameRule =
    o.kind === 'Service' ? dns1035 : o.kind === 'Namespace' ? dnsLabelProblem : dnsSubdomainProblem;
  checkMeta(o.metadata, 'metadata', out, nameRule);
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      if (spec.replicas !== undefined)
        invalid(out, 'spec.replicas', spec.replicas, nonNegativeProblem(spec.replicas));
      for (const f of ['minReadySeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds'])
        if (spec[f] !== undefined) invalid(out, `spec.${f}`, spec[f], nonNegativeProblem(spec[f]));
      if (isMap(spec.template)) {
        checkMeta(spec.template.metadata, 'spec.template.metadata', out);
        checkPodSpec(spec.template.spec, 'spec.template.spec', out);
      }
      break;
    case 'Job':
      if (isMap(spec.template)) checkPodSpec(spec.template.spec, 'spec.template.spec', out);
      break;
    case 'Pod':
      checkPodSpec(spec, 'spec', out);
      break;
    case 'Service': {
      const ports = Array.isArray(spec.ports) ? spec.ports : [];
      ports.forEach((p: unknown, i: number) => {
        if (!isMap(p)) return;
        invalid(out, `spec.ports[${i}].port`, p.port, portProblem(p.port));
        if (p.targetPort !== undefined)
          invalid(out, `spec.ports[${i}].targetPort`, p.targetPort, portOrNameProblem(p.targetPort));
        if (p.nodePort !== undefined)
          invalid(out, `spec.ports[${i}].nodePort`, p.nodePort, portProblem(p.nodePort, 0));
      });
      break;
    }
    case 'ConfigMap':
    case 'Secret': {
      for (const field of ['data', 'binaryData', 'stringData']) {
        for (const k of Object.keys(isMap(o[field]) ? (o[field] as Obj) : {}))
          invalid(out, field, k, configKeyProblem(k));
      }
      const size = o.kind === 'ConfigMap' ? dataBytes(o.data, o.binaryData) : dataBytes(o.stringData, o.data);
      if (size > MAX_DATA_BYTES)
        out.push({
          path: o.kind === 'ConfigMap' ? '[]' : 'data',
          message: `Too long: must have at most ${MAX_DATA_BYTES} bytes`,
        });
      break;
    }
    case 'HorizontalPodAutoscaler':
      if (spec.minReplicas !== undefined && (typeof spec.minReplicas !== 'number' || spec.minReplicas < 1))
        invalid(out, 'spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1');
      if (
        typeof spec.maxReplicas === 'number' &&
        typeof spec.minReplicas === 'number' &&
        spec.maxReplicas < spec.minReplicas
      )
        invalid(out, 'spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`');
      break;
  }
  return out;
}

function dns1035(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!DNS_1035_LABEL.test(v))
    return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
  return undefined;
}
