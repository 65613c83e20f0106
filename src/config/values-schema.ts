// The JSON Schema of the shared chart's values, as Helm's values.schema.json: generated from the
// chart's defaults (chart/values.yaml names every key the chart reads) plus the constraints below.
// A map the chart defaults to `{}` is free-form (config, env, envFrom, secrets, annotations, labels,
// ports, …): any key, checked only by `propertyNames` where Kubernetes restricts the key. Every other
// map knows its keys, so a typo (`replicaCont`, `resources.requets`) is an error with "did you mean".
// The published copy is chart/values.schema.json (`node --import tsx src/config/values-schema.ts`
// writes it; a test keeps it in step).

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The subset of JSON Schema (draft 2020-12) the values use, plus `format`s checked by values-check.ts. */
export interface ValuesSchema {
  description?: string;
  type?: string | string[];
  properties?: Record<string, ValuesSchema>;
  additionalProperties?: boolean | ValuesSchema;
  propertyNames?: ValuesSchema;
  items?: ValuesSchema;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  enum?: unknown[];
  /** image-name, image-tag, image-digest, label-key, label-value, annotation-key, config-key, port-name, port-or-name, quantity */
  format?: string;
}

const INT_OR_PERCENT: ValuesSchema = {
  type: ['integer', 'string', 'null'],
  pattern: '^[0-9]+%?$',
  minimum: 0,
};
const PORT: ValuesSchema = { type: ['integer', 'null'], minimum: 1, maximum: 65535 };
const PORT_MAP: ValuesSchema = {
  type: 'object',
  propertyNames: { format: 'port-name' },
  additionalProperties: PORT,
};
const LABELS: ValuesSchema = {
  type: 'object',
  propertyNames: { format: 'label-key' },
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'], format: 'label-value' },
};
const ANNOTATIONS: ValuesSchema = { type: 'object', propertyNames: { format: 'annotation-key' } };
const QUANTITIES: ValuesSchema = {
  type: ['object', 'null'],
  additionalProperties: { type: ['string', 'number', 'null'], format: 'quantity' },
};
const NON_NEGATIVE: ValuesSchema = { type: 'integer', minimum: 0 };
const PROBE: Record<string, ValuesSchema> = {
  type: { enum: ['http', 'tcp', 'exec'] },
  port: { type: ['integer', 'string'], format: 'port-or-name' },
  initialDelaySeconds: NON_NEGATIVE,
  periodSeconds: { type: 'integer', minimum: 1 },
  timeoutSeconds: { type: 'integer', minimum: 1 },
  failureThreshold: { type: 'integer', minimum: 1 },
  successThreshold: { type: 'integer', minimum: 1 },
};

/**
 * Constraints on top of what the defaults imply, by dotted path (`*` = any key of a map). An entry
 * replaces the generated schema's fields it names; `properties` are merged key by key.
 */
const CONSTRAINTS: Record<string, ValuesSchema> = {
  'image.repository': { type: 'string', format: 'image-name' },
  'image.tag': { type: ['string', 'number'], format: 'image-tag' },
  'image.digest': { type: 'string', format: 'image-digest' },
  'image.pullPolicy': { enum: ['Always', 'IfNotPresent', 'Never'] },
  replicaCount: NON_NEGATIVE,
  revisionHistoryLimit: NON_NEGATIVE,
  minReadySeconds: NON_NEGATIVE,
  progressDeadlineSeconds: { type: 'integer', minimum: 1 },
  terminationGracePeriodSeconds: NON_NEGATIVE,
  'rollingUpdate.maxSurge': INT_OR_PERCENT,
  'rollingUpdate.maxUnavailable': INT_OR_PERCENT,
  command: { type: 'array', items: { type: ['string', 'number', 'boolean'] } },
  args: { type: 'array', items: { type: ['string', 'number', 'boolean'] } },
  ports: PORT_MAP,
  'service.type': { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
  'service.port': { type: 'integer', minimum: 1, maximum: 65535 },
  'service.annotations': ANNOTATIONS,
  'service.extraPorts': PORT_MAP,
  'probes.startup': { properties: PROBE },
  'probes.readiness': { properties: PROBE },
  'probes.liveness': { properties: PROBE },
  resources: {
    type: 'object',
    properties: { requests: QUANTITIES, limits: QUANTITIES },
    additionalProperties: false,
  },
  env: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
  envFrom: { type: 'object', additionalProperties: { type: ['object', 'null'] } },
  config: { type: 'object', propertyNames: { format: 'config-key' } },
  secrets: {
    type: 'object',
    propertyNames: { format: 'config-key' },
    additionalProperties: { type: ['object', 'string', 'null'] },
  },
  'podAntiAffinity.type': { enum: ['preferred', 'required', 'none'] },
  'podAntiAffinity.weight': { type: 'integer', minimum: 1, maximum: 100 },
  'topologySpread.maxSkew': { type: 'integer', minimum: 1 },
  'topologySpread.whenUnsatisfiable': { enum: ['ScheduleAnyway', 'DoNotSchedule'] },
  nodeSelector: LABELS,
  podAnnotations: ANNOTATIONS,
  podLabels: LABELS,
  'metrics.port': { type: ['integer', 'string'], format: 'port-or-name' },
  'serviceMonitor.interval': { type: 'string', pattern: '^([0-9]+(ms|s|m|h))+$' },
  'serviceMonitor.labels': LABELS,
  'serviceAccount.annotations': ANNOTATIONS,
  'autoscaling.minReplicas': { type: 'integer', minimum: 1 },
  'autoscaling.maxReplicas': { type: 'integer', minimum: 1 },
  'autoscaling.targetCPUUtilizationPercentage': { type: ['integer', 'null'], minimum: 1 },
  'autoscaling.targetMemoryUtilizationPercentage': { type: ['integer', 'null'], minimum: 1 },
  'autoscaling.podsMetric': {
    type: ['object', 'null'],
    properties: {
      name: { type: 'string' },
      averageValue: { type: ['string', 'number'], format: 'quantity' },
    },
    additionalProperties: false,
  },
  'pdb.minAvailable': INT_OR_PERCENT,
  'pdb.maxUnavailable': INT_OR_PERCENT,
  'ingress.annotations': ANNOTATIONS,
  'ingress.hosts': { type: 'array', items: { type: 'string', format: 'hostname' } },
  'ingress.pathType': { enum: ['Prefix', 'Exact', 'ImplementationSpecific'] },
  labels: LABELS,
  annotations: ANNOTATIONS,
};

const K8S_TYPED = ['podSecurityContext', 'securityContext'];

function typeOf(v: unknown): ValuesSchema {
  if (v === null) return {};
  if (Array.isArray(v)) return { type: 'array' };
  switch (typeof v) {
    case 'string':
      return { type: ['string', 'number', 'boolean'] };
    case 'number':
      return { type: Number.isInteger(v) ? 'integer' : 'number' };
    case 'boolean':
      // --set-string and a quoted "true" in a file still mean true to the chart.
      return { type: ['boolean', 'string'], pattern: '^(true|false)$' };
    default: {
      const m = v as Record<string, unknown>;
      const keys = Object.keys(m);
      if (keys.length === 0) return { type: 'object' }; // free-form
      const properties: Record<string, ValuesSchema> = {};
      for (const k of keys) properties[k] = typeOf(m[k]);
      return { type: 'object', properties, additionalProperties: false };
    }
  }
}

function constrain(root: ValuesSchema, path: string, extra: ValuesSchema): void {
  let node = root;
  for (const seg of path.split('.')) {
    node.properties ??= {};
    node.properties[seg] ??= { type: 'object', properties: {}, additionalProperties: false };
    node = node.properties[seg]!;
  }
  const { properties, ...rest } = extra;
  Object.assign(node, rest);
  if (properties) node.properties = { ...node.properties, ...properties };
  // A map given a schema for any key (ports, extraPorts) is free-form: its defaults are examples.
  else if (typeof extra.additionalProperties === 'object') delete node.properties;
}

/** The values schema for the chart whose defaults are `chartValues`. */
export function buildValuesSchema(chartValues: Record<string, unknown>): ValuesSchema {
  const root: ValuesSchema = {
    ...typeOf(chartValues),
    description:
      "Values of slipway's shared chart (generated from chart/values.yaml; see src/config/values-schema.ts)",
  };
  for (const [path, extra] of Object.entries(CONSTRAINTS)) constrain(root, path, extra);
  // Kubernetes' own types, copied into the pod as they are: the schema check of the rendered
  // Deployment knows their fields (and the tighten-only rule their security meaning).
  for (const k of K8S_TYPED) root.properties![k] = { type: ['object', 'null'] };
  return root;
}

/** `$schema` and `$id` for the published file. */
export function publishedSchema(chartValues: Record<string, unknown>): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://slipway.dev/schema/chart-values.schema.json',
    title: 'slipway chart values',
    ...buildValuesSchema(chartValues),
  };
}

// `node --import tsx src/config/values-schema.ts` writes chart/values.schema.json.
if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const chart = fileURLToPath(new URL('../../chart/', import.meta.url));
  const values = parse(readFileSync(`${chart}values.yaml`, 'utf8')) as Record<string, unknown>;
  writeFileSync(`${chart}values.schema.json`, `${JSON.stringify(publishedSchema(values), null, 2)}\n`);
}
