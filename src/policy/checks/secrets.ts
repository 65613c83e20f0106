// A secret value must never reach the rendered manifests: they are printed, diffed, kept in every
// release record and, with GitOps, committed. The chart only ever renders references (placeholders
// that deploy resolves, an ExternalSecret, a SealedSecret), so this finds what slipped past them: a
// Secret holding data, or plain text in the template of an ExternalSecret or SealedSecret under a
// key that names a secret. Literal env values are SLW-SEC-012's.
import { parseSecretPlaceholder } from '../../render/index.ts';
import type { KubeObject } from '../../shared/kube-types.ts';
import type { CheckDefinition, RawFinding } from '../types.ts';
import { map, sev } from './define.ts';
import { isMap } from './index-objects.ts';
import { looksSecret } from './security.ts';

function secretFindings(o: KubeObject, out: RawFinding[]): void {
  for (const field of ['data', 'stringData'] as const) {
    const m = map(o[field]);
    for (const key of Object.keys(m).sort()) {
      const v = m[key];
      if (v === '' || v === null || v === undefined) continue;
      if (field === 'stringData' && parseSecretPlaceholder(v)) continue; // a reference, resolved at deploy
      out.push({
        object: o,
        path: `${field}.${key}`,
        message: `Secret ${o.metadata.name} holds a value for ${key} in the rendered manifest`,
        valuesPath: `secrets.${key}`,
      });
    }
  }
}

/** Template entries written as plain text (no `{{ … }}` reading the store) under secret-looking keys. */
function templateFindings(o: KubeObject, data: unknown, path: string, out: RawFinding[]): void {
  if (!isMap(data)) return;
  for (const key of Object.keys(data).sort()) {
    const v = data[key];
    if (typeof v !== 'string' || v === '' || v.includes('{{') || !looksSecret(key)) continue;
    out.push({
      object: o,
      path: `${path}.${key}`,
      message: `${o.kind} ${o.metadata.name} carries ${key} as plain text in its template (not encrypted, not from the store)`,
    });
  }
}

export const SECRET_CHECKS: CheckDefinition[] = [
  {
    id: 'SLW-SEC-016',
    name: 'plain-secret-in-manifest',
    category: 'security',
    rationale:
      'A secret value in a rendered manifest is printed, diffed, kept in every release record and committed by GitOps.',
    remedy:
      'Reference it instead: values secrets.<KEY> with fromEnv/fromFile, remoteRef under externalSecrets, or a key sealed into the SealedSecret (docs/secrets.md).',
    severity: sev('error', 'error', 'error'),
    valuesPath: 'secrets',
    run: (scope) => {
      const out: RawFinding[] = [];
      for (const o of scope.objects) {
        if (o.kind === 'Secret' && o.apiVersion === 'v1') secretFindings(o, out);
        else if (o.kind === 'ExternalSecret') {
          const template = map(map(map(o.spec).target).template);
          templateFindings(o, template.data, 'spec.target.template.data', out);
        } else if (o.kind === 'SealedSecret') {
          templateFindings(o, map(map(o.spec).template).data, 'spec.template.data', out);
        }
      }
      return out;
    },
  },
];
