// Network and wiring checks across objects: NetworkPolicy coverage, Service → pods, Ingress → Service,
// and deprecated apiVersions.
import { LABELS } from '../../shared/kube-types.ts';
import { mapSelector } from '../../shared/selector.ts';
import type { CheckDefinition } from '../types.ts';
import { eachObject, eachWorkload, map, sev } from './define.ts';
import { isMap } from './index-objects.ts';

/** Tracks that exist only during a release (the canary, the standby colour): Services may select them at rest. */
const STANDBY_TRACKS = new Set(['canary', 'blue', 'green']);

/** apiVersion/kind → the replacement, for API versions removed or deprecated in Kubernetes and the meshes. */
export const DEPRECATED_API_VERSIONS: Record<string, string> = {
  'extensions/v1beta1/Deployment': 'apps/v1',
  'apps/v1beta1/Deployment': 'apps/v1',
  'apps/v1beta2/Deployment': 'apps/v1',
  'extensions/v1beta1/Ingress': 'networking.k8s.io/v1',
  'networking.k8s.io/v1beta1/Ingress': 'networking.k8s.io/v1',
  'extensions/v1beta1/NetworkPolicy': 'networking.k8s.io/v1',
  'policy/v1beta1/PodDisruptionBudget': 'policy/v1',
  'autoscaling/v2beta1/HorizontalPodAutoscaler': 'autoscaling/v2',
  'autoscaling/v2beta2/HorizontalPodAutoscaler': 'autoscaling/v2',
  'autoscaling/v1/HorizontalPodAutoscaler': 'autoscaling/v2',
  'batch/v1beta1/CronJob': 'batch/v1',
  'networking.istio.io/v1alpha3/VirtualService': 'networking.istio.io/v1',
  'networking.istio.io/v1alpha3/DestinationRule': 'networking.istio.io/v1',
  'gateway.networking.k8s.io/v1alpha2/HTTPRoute': 'gateway.networking.k8s.io/v1',
  'gateway.networking.k8s.io/v1beta1/HTTPRoute': 'gateway.networking.k8s.io/v1',
};

export const NETWORK_CHECKS: CheckDefinition[] = [
  {
    id: 'SLW-NET-001',
    name: 'network-policy',
    category: 'network',
    rationale: 'Pods no NetworkPolicy selects accept traffic from every pod in the cluster.',
    remedy: 'Keep networkPolicy.enabled: true and list the callers in networkPolicy.allowFrom.',
    severity: sev('off', 'warning', 'error'),
    valuesPath: 'networkPolicy.enabled',
    run: (scope) =>
      eachWorkload(scope, (w, out) => {
        if (!scope.index.coveredByNetworkPolicy(w))
          out.push({
            object: w.object,
            path: `${w.podPath.replace(/\.spec$/, '')}.metadata.labels`,
            message: 'no NetworkPolicy selects these pods',
          });
      }),
  },
  {
    id: 'SLW-NET-002',
    name: 'service-targets-pods',
    category: 'network',
    rationale: 'A Service whose selector matches no pod template sends its traffic nowhere.',
    remedy: 'Check the Service selector and podLabels; selectors use app.kubernetes.io/name and instance.',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'podLabels',
    run: (scope) =>
      eachObject(scope, 'Service', (svc, out) => {
        const spec = map(svc.spec);
        if (spec.type === 'ExternalName') return;
        const sel = mapSelector(spec.selector);
        if (!sel) return; // no selector: endpoints are managed by hand
        const ns = svc.metadata.namespace ?? '';
        if (scope.index.select(ns, sel).length > 0) return;
        const track = sel.matchLabels?.[LABELS.track];
        if (track !== undefined && STANDBY_TRACKS.has(track)) {
          const { [LABELS.track]: _t, ...rest } = sel.matchLabels ?? {};
          if (scope.index.select(ns, { matchLabels: rest }).length > 0) return;
        }
        out.push({ object: svc, path: 'spec.selector', message: 'the selector matches no pod template' });
      }),
  },
  {
    id: 'SLW-NET-003',
    name: 'ingress-targets-service',
    category: 'network',
    rationale: 'An Ingress backend naming a missing Service or port answers 503 for its hosts.',
    remedy: 'Check ingress hosts/paths and that the Service port exists (service.port).',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'ingress',
    run: (scope) =>
      eachObject(scope, 'Ingress', (ing, out) => {
        const spec = map(ing.spec);
        const ns = ing.metadata.namespace ?? '';
        const backends: Array<{ backend: unknown; path: string }> = [];
        if (spec.defaultBackend !== undefined)
          backends.push({ backend: spec.defaultBackend, path: 'spec.defaultBackend' });
        const rules = Array.isArray(spec.rules) ? spec.rules : [];
        rules.forEach((r, i) => {
          const paths = map(map(r).http).paths;
          if (!Array.isArray(paths)) return;
          for (let j = 0; j < paths.length; j++) {
            backends.push({
              backend: map(paths[j]).backend,
              path: `spec.rules[${i}].http.paths[${j}].backend`,
            });
          }
        });
        for (const b of backends) {
          const ref = map(map(b.backend).service);
          if (ref.name === undefined) continue;
          const svc = scope.index.find('Service', ns, String(ref.name));
          if (!svc) {
            out.push({
              object: ing,
              path: `${b.path}.service.name`,
              message: `Service ${String(ref.name)} is not rendered`,
            });
            continue;
          }
          const port = map(ref.port);
          const ports = Array.isArray(map(svc.spec).ports) ? (map(svc.spec).ports as unknown[]) : [];
          const found = ports.some(
            (p) =>
              isMap(p) &&
              ((port.name !== undefined && p.name === port.name) ||
                (port.number !== undefined && p.port === port.number)),
          );
          if (!found && (port.name !== undefined || port.number !== undefined)) {
            out.push({
              object: ing,
              path: `${b.path}.service.port`,
              message: `Service ${String(ref.name)} has no port ${String(port.name ?? port.number)}`,
              valuesPath: 'service.port',
            });
          }
        }
      }),
  },
  {
    id: 'SLW-API-001',
    name: 'deprecated-api-version',
    category: 'configuration',
    rationale:
      'Deprecated API versions are removed in a later Kubernetes release; the apply then fails at upgrade time.',
    remedy: 'Render the object with the replacement apiVersion.',
    severity: sev('warning', 'error', 'error'),
    run: (scope) => {
      const out: ReturnType<NonNullable<CheckDefinition['run']>> = [];
      for (const o of scope.objects) {
        const repl = DEPRECATED_API_VERSIONS[`${o.apiVersion}/${o.kind}`];
        if (repl)
          out.push({
            object: o,
            path: 'apiVersion',
            message: `${o.apiVersion} ${o.kind} is deprecated; use ${repl}`,
          });
      }
      return out;
    },
  },
];
