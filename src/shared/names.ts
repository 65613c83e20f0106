// The one naming function: every object name the chart gives and every name the release engine
// builds goes through objectName, so an environment's Kustomize-style namePrefix / nameSuffix reach
// the object and every reference to it alike (Kustomize's nameReference transformer). Labels are not
// names: selectors and label values keep the bare service name, as Kustomize leaves them.

/** An environment's namePrefix and nameSuffix (slipway.yaml environments[]). */
export interface NameAffixes {
  prefix?: string | undefined;
  suffix?: string | undefined;
}

/**
 * The parts a service's objects add to its name: `<svc>-canary` (Deployment; the Service over both
 * tracks), `<svc>-canary-only` (the Service over the canary track), the blue-green colours and preview,
 * and the stems of the hashed ConfigMap and Secret.
 */
export type NamePart = 'canary' | 'canary-only' | 'blue' | 'green' | 'preview' | 'config' | 'secrets';

/** `<prefix><service>[-<part>]<suffix>`: as Kustomize renames an object `<service>[-<part>]` of a base. */
export function objectName(service: string, affixes?: NameAffixes, part?: NamePart): string {
  return `${affixes?.prefix ?? ''}${service}${part ? `-${part}` : ''}${affixes?.suffix ?? ''}`;
}

/** The affixes that turned `base` into `name`, or undefined when `name` does not contain it. */
export function affixesOf(name: string, base: string): NameAffixes | undefined {
  const at = name.indexOf(base);
  if (at < 0) return undefined;
  return { prefix: name.slice(0, at), suffix: name.slice(at + base.length) };
}
