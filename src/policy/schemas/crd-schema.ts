// Custom resources whose schemas are bundled as trimmed CustomResourceDefinitions (./crds/*.yaml:
// ExternalSecret, SealedSecret) rather than written out in custom-resources.ts: the CRD files are the
// operators' own format, so the same file validates rendered objects offline here and is what slipway
// installs on the embedded local cluster (release/external-secrets.ts). The openAPIV3Schema subset
// they use (object/properties/required, additionalProperties, array/items, string enums,
// x-kubernetes-preserve-unknown-fields) is turned into the FieldSpec the validator walks.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { KubeObject } from '../../shared/kube-types.ts';
import type { CustomKind, FieldSpec } from './custom-resources.ts';

export const SECRET_CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), 'crds');
export const SECRET_CRD_FILES = [
  'externalsecrets.external-secrets.io.yaml',
  'sealedsecrets.bitnami.com.yaml',
] as const;

type Schema = Record<string, unknown>;

/** One openAPIV3Schema node as a FieldSpec; `metadata` at the top is ObjectMeta. */
export function fieldSpecOf(s: Schema, top = false): FieldSpec {
  if (s['x-kubernetes-preserve-unknown-fields'] === true) return { t: 'any' };
  switch (s.type) {
    case 'string':
      return Array.isArray(s.enum) ? { t: 'enum', values: s.enum.map(String) } : { t: 'string' };
    case 'integer':
      return { t: 'integer' };
    case 'number':
      return { t: 'number' };
    case 'boolean':
      return { t: 'boolean' };
    case 'array':
      return { t: 'array', items: s.items ? fieldSpecOf(s.items as Schema) : { t: 'any' } };
    case 'object': {
      const props = (s.properties ?? undefined) as Record<string, Schema> | undefined;
      if (!props) {
        const values = s.additionalProperties;
        return values && typeof values === 'object'
          ? { t: 'map', values: fieldSpecOf(values as Schema) }
          : { t: 'any' };
      }
      const out: Record<string, FieldSpec> = {};
      for (const [k, v] of Object.entries(props)) {
        out[k] =
          top && k === 'metadata'
            ? { t: 'k8s', type: 'ApimachineryPkgApisMetaV1ObjectMeta' }
            : fieldSpecOf(v);
      }
      const required = Array.isArray(s.required) ? s.required.map(String) : undefined;
      return required ? { t: 'object', props: out, required } : { t: 'object', props: out };
    }
    default:
      return { t: 'any' };
  }
}

/** The bundled CRDs, parsed (for the local cluster's install). */
export function secretCrds(): KubeObject[] {
  return SECRET_CRD_FILES.map((f) => parse(readFileSync(join(SECRET_CRD_DIR, f), 'utf8')) as KubeObject);
}

/** The bundled CRDs as validator kinds: one per served version, apiVersion/kind required too. */
export function crdKinds(): CustomKind[] {
  const out: CustomKind[] = [];
  for (const crd of secretCrds()) {
    const spec = crd.spec as { group: string; names: { kind: string }; versions: Schema[] };
    for (const v of spec.versions) {
      const schema = fieldSpecOf((v.schema as { openAPIV3Schema: Schema }).openAPIV3Schema, true);
      if (schema.t === 'object') {
        schema.required = ['apiVersion', 'kind', 'metadata', ...(schema.required ?? [])];
        delete schema.props.status; // rendered objects carry no status
      }
      out.push({ apiVersions: [`${spec.group}/${String(v.name)}`], kind: spec.names.kind, schema });
    }
  }
  return out;
}
