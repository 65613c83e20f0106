// Small structural schemas for the custom resources the chart emits (the real CRDs are not on the
// machine). They cover the fields slipway renders and the commonly used neighbours; anything else is
// reported as an unknown field, as an API server with a structural CRD schema would prune or reject it.

export type FieldSpec =
  | { t: 'string' | 'integer' | 'number' | 'boolean' | 'any' | 'intOrString' }
  | { t: 'object'; props: Record<string, FieldSpec>; required?: readonly string[] }
  | { t: 'array'; items: FieldSpec }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'map'; values: FieldSpec }
  /** A type of the generated built-in field table (e.g. ObjectMeta, LabelSelector). */
  | { t: 'k8s'; type: string };

const str: FieldSpec = { t: 'string' };
const int: FieldSpec = { t: 'integer' };
const bool: FieldSpec = { t: 'boolean' };
const any: FieldSpec = { t: 'any' };
const strMap: FieldSpec = { t: 'map', values: str };
const obj = (props: Record<string, FieldSpec>, required?: readonly string[]): FieldSpec =>
  required ? { t: 'object', props, required } : { t: 'object', props };
const arr = (items: FieldSpec): FieldSpec => ({ t: 'array', items });
const metadata: FieldSpec = { t: 'k8s', type: 'ApimachineryPkgApisMetaV1ObjectMeta' };
const labelSelector: FieldSpec = { t: 'k8s', type: 'ApimachineryPkgApisMetaV1LabelSelector' };

function resource(apiVersions: readonly string[], kind: string, spec: FieldSpec): CustomKind {
  return {
    apiVersions,
    kind,
    schema: obj({ apiVersion: str, kind: str, metadata, spec }, ['apiVersion', 'kind', 'metadata', 'spec']),
  };
}

export interface CustomKind {
  apiVersions: readonly string[];
  kind: string;
  schema: FieldSpec;
}

const endpoint = obj({
  port: str,
  targetPort: { t: 'intOrString' },
  path: str,
  scheme: str,
  interval: str,
  scrapeTimeout: str,
  honorLabels: bool,
  params: { t: 'map', values: arr(str) },
  relabelings: arr(any),
  metricRelabelings: arr(any),
  bearerTokenSecret: any,
  tlsConfig: any,
});

const serviceMonitor = resource(
  ['monitoring.coreos.com/v1'],
  'ServiceMonitor',
  obj(
    {
      selector: labelSelector,
      namespaceSelector: obj({ any: bool, matchNames: arr(str) }),
      endpoints: arr(endpoint),
      jobLabel: str,
      targetLabels: arr(str),
      podTargetLabels: arr(str),
      sampleLimit: int,
    },
    ['selector', 'endpoints'],
  ),
);

const stringMatch = obj({ exact: str, prefix: str, regex: str });
const destination = obj({ host: str, subset: str, port: obj({ number: int }) }, ['host']);
const httpRoute = obj({
  name: str,
  match: arr(
    obj({
      name: str,
      uri: stringMatch,
      headers: { t: 'map', values: stringMatch },
      method: stringMatch,
      port: int,
      sourceLabels: strMap,
      gateways: arr(str),
      queryParams: { t: 'map', values: stringMatch },
      ignoreUriCase: bool,
      withoutHeaders: { t: 'map', values: stringMatch },
    }),
  ),
  route: arr(obj({ destination, weight: int, headers: any }, ['destination'])),
  redirect: any,
  rewrite: any,
  timeout: str,
  retries: any,
  fault: any,
  mirror: any,
  mirrorPercentage: any,
  corsPolicy: any,
  headers: any,
});

const istioVersions = [
  'networking.istio.io/v1beta1',
  'networking.istio.io/v1',
  'networking.istio.io/v1alpha3',
];

const virtualService = resource(
  istioVersions,
  'VirtualService',
  obj({
    hosts: arr(str),
    gateways: arr(str),
    http: arr(httpRoute),
    tls: arr(any),
    tcp: arr(any),
    exportTo: arr(str),
  }),
);

const destinationRule = resource(
  istioVersions,
  'DestinationRule',
  obj(
    {
      host: str,
      trafficPolicy: any,
      subsets: arr(obj({ name: str, labels: strMap, trafficPolicy: any }, ['name'])),
      exportTo: arr(str),
      workloadSelector: any,
    },
    ['host'],
  ),
);

const parentRef = obj({ group: str, kind: str, namespace: str, name: str, sectionName: str, port: int }, [
  'name',
]);
const backendRef = obj(
  { group: str, kind: str, namespace: str, name: str, port: int, weight: int, filters: arr(any) },
  ['name'],
);
const gatewayHttpRoute = resource(
  ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'],
  'HTTPRoute',
  obj({
    parentRefs: arr(parentRef),
    hostnames: arr(str),
    rules: arr(
      obj({
        name: str,
        matches: arr(
          obj({
            path: obj({ type: str, value: str }),
            headers: arr(obj({ type: str, name: str, value: str }, ['name', 'value'])),
            queryParams: arr(obj({ type: str, name: str, value: str }, ['name', 'value'])),
            method: str,
          }),
        ),
        filters: arr(any),
        backendRefs: arr(backendRef),
        timeouts: obj({ request: str, backendRequest: str }),
      }),
    ),
  }),
);

export const CUSTOM_KINDS: readonly CustomKind[] = [
  serviceMonitor,
  virtualService,
  destinationRule,
  gatewayHttpRoute,
];
