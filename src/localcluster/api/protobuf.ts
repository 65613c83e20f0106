// Decoding of the Kubernetes protobuf bodies that kubectl's generator subcommands post
// (`kubectl create namespace|deployment|configmap|secret|service|job|serviceaccount`). Only the
// fields those generators set are known; anything else is skipped. Go writes zero values for
// non-pointer fields, which JSON would omit, so empty strings, zeros, false and empty messages are
// dropped (an explicit `replicas: 0` is lost: the one known difference).
import { badRequest } from '../store/errors.ts';

type Kind = 's' | 'i' | 'b' | 'bytes' | 'q' | 'ios' | Msg | { map: Kind } | { rep: Kind };
interface Msg {
  [field: number]: [string, Kind | (() => Kind)];
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const ownerRef: Msg = {
  1: ['kind', 's'],
  3: ['name', 's'],
  4: ['uid', 's'],
  5: ['apiVersion', 's'],
  6: ['controller', 'b'],
  7: ['blockOwnerDeletion', 'b'],
};
const objectMeta: Msg = {
  1: ['name', 's'],
  2: ['generateName', 's'],
  3: ['namespace', 's'],
  5: ['uid', 's'],
  6: ['resourceVersion', 's'],
  7: ['generation', 'i'],
  11: ['labels', { map: 's' }],
  12: ['annotations', { map: 's' }],
  13: ['ownerReferences', { rep: ownerRef }],
  14: ['finalizers', { rep: 's' }],
};
const labelSelector: Msg = {
  1: ['matchLabels', { map: 's' }],
  2: ['matchExpressions', { rep: { 1: ['key', 's'], 2: ['operator', 's'], 3: ['values', { rep: 's' }] } }],
};
const container: Msg = {
  1: ['name', 's'],
  2: ['image', 's'],
  3: ['command', { rep: 's' }],
  4: ['args', { rep: 's' }],
  5: ['workingDir', 's'],
  6: [
    'ports',
    {
      rep: {
        1: ['name', 's'],
        2: ['hostPort', 'i'],
        3: ['containerPort', 'i'],
        4: ['protocol', 's'],
        5: ['hostIP', 's'],
      },
    },
  ],
  7: ['env', { rep: { 1: ['name', 's'], 2: ['value', 's'] } }],
  8: ['resources', { 1: ['limits', { map: 'q' }], 2: ['requests', { map: 'q' }] }],
  13: ['terminationMessagePath', 's'],
  14: ['imagePullPolicy', 's'],
  16: ['stdin', 'b'],
  18: ['tty', 'b'],
  20: ['terminationMessagePolicy', 's'],
};
const podSpec: Msg = {
  2: ['containers', { rep: container }],
  3: ['restartPolicy', 's'],
  4: ['terminationGracePeriodSeconds', 'i'],
  6: ['dnsPolicy', 's'],
  7: ['nodeSelector', { map: 's' }],
  8: ['serviceAccountName', 's'],
  19: ['schedulerName', 's'],
  20: ['initContainers', { rep: container }],
};
const INLINE = '$inline';
const ingressBackend: Msg = {
  4: ['service', { 1: ['name', 's'], 2: ['port', { 1: ['name', 's'], 2: ['number', 'i'] }] }],
  3: ['resource', { 1: ['apiGroup', 's'], 2: ['kind', 's'], 3: ['name', 's'] }],
};
const template: Msg = { 1: ['metadata', objectMeta], 2: ['spec', podSpec] };

const KINDS: Record<string, Msg> = {
  Namespace: { 1: ['metadata', objectMeta], 2: ['spec', { 1: ['finalizers', { rep: 's' }] }] },
  ConfigMap: {
    1: ['metadata', objectMeta],
    2: ['data', { map: 's' }],
    3: ['binaryData', { map: 'bytes' }],
    4: ['immutable', 'b'],
  },
  Secret: {
    1: ['metadata', objectMeta],
    2: ['data', { map: 'bytes' }],
    3: ['type', 's'],
    4: ['stringData', { map: 's' }],
    5: ['immutable', 'b'],
  },
  ServiceAccount: {
    1: ['metadata', objectMeta],
    3: ['imagePullSecrets', { rep: { 1: ['name', 's'] } }],
    4: ['automountServiceAccountToken', 'b'],
  },
  Deployment: {
    1: ['metadata', objectMeta],
    2: [
      'spec',
      {
        1: ['replicas', 'i'],
        2: ['selector', labelSelector],
        3: ['template', template],
        4: [
          'strategy',
          {
            1: ['type', 's'],
            2: ['rollingUpdate', { 1: ['maxUnavailable', 'ios'], 2: ['maxSurge', 'ios'] }],
          },
        ],
        5: ['minReadySeconds', 'i'],
        6: ['revisionHistoryLimit', 'i'],
        7: ['paused', 'b'],
        9: ['progressDeadlineSeconds', 'i'],
      },
    ],
  },
  Service: {
    1: ['metadata', objectMeta],
    2: [
      'spec',
      {
        1: [
          'ports',
          {
            rep: {
              1: ['name', 's'],
              2: ['protocol', 's'],
              3: ['port', 'i'],
              4: ['targetPort', 'ios'],
              5: ['nodePort', 'i'],
            },
          },
        ],
        2: ['selector', { map: 's' }],
        3: ['clusterIP', 's'],
        4: ['type', 's'],
        7: ['sessionAffinity', 's'],
      },
    ],
  },
  PodDisruptionBudget: {
    1: ['metadata', objectMeta],
    2: [
      'spec',
      {
        1: ['minAvailable', 'ios'],
        2: ['selector', labelSelector],
        3: ['maxUnavailable', 'ios'],
        4: ['unhealthyPodEvictionPolicy', 's'],
      },
    ],
  },
  Ingress: {
    1: ['metadata', objectMeta],
    2: [
      'spec',
      {
        1: ['defaultBackend', ingressBackend],
        2: ['tls', { rep: { 1: ['hosts', { rep: 's' }], 2: ['secretName', 's'] } }],
        3: [
          'rules',
          {
            rep: {
              1: ['host', 's'],
              // IngressRuleValue is inlined in JSON: its `http` sits on the rule itself.
              2: [
                INLINE,
                {
                  1: [
                    'http',
                    {
                      1: [
                        'paths',
                        { rep: { 1: ['path', 's'], 2: ['backend', ingressBackend], 3: ['pathType', 's'] } },
                      ],
                    },
                  ],
                },
              ],
            },
          },
        ],
        4: ['ingressClassName', 's'],
      },
    ],
  },
  // autoscaling/v1, as `kubectl autoscale` posts it.
  HorizontalPodAutoscaler: {
    1: ['metadata', objectMeta],
    2: [
      'spec',
      {
        1: ['scaleTargetRef', { 1: ['kind', 's'], 2: ['name', 's'], 3: ['apiVersion', 's'] }],
        2: ['minReplicas', 'i'],
        3: ['maxReplicas', 'i'],
        4: ['targetCPUUtilizationPercentage', 'i'],
      },
    ],
  },
  Job: {
    1: ['metadata', objectMeta],
    2: [
      'spec',
      {
        1: ['parallelism', 'i'],
        2: ['completions', 'i'],
        3: ['activeDeadlineSeconds', 'i'],
        4: ['selector', labelSelector],
        5: ['manualSelector', 'b'],
        6: ['template', template],
        7: ['backoffLimit', 'i'],
      },
    ],
  },
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw badRequest('truncated protobuf body');
      v += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }
  bytes(): Buffer {
    const n = this.varint();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw badRequest(`unsupported protobuf wire type ${wire}`);
  }
}

function resolve(k: Kind | (() => Kind)): Kind {
  return typeof k === 'function' ? k() : k;
}

function scalar(kind: Kind, r: Reader, wire: number): unknown {
  if (kind === 'i') return r.varint();
  if (kind === 'b') return r.varint() !== 0;
  if (wire !== 2) {
    r.skip(wire);
    return undefined;
  }
  const raw = r.bytes();
  if (kind === 's') return raw.toString('utf8');
  if (kind === 'bytes') return raw.toString('base64');
  if (kind === 'q') return (message(raw, { 1: ['string', 's'] }, false) as { string?: string }).string ?? '0';
  if (kind === 'ios') {
    const v = message(raw, { 1: ['type', 'i'], 2: ['intVal', 'i'], 3: ['strVal', 's'] }, false) as Record<
      string,
      unknown
    >;
    return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
  }
  return message(raw, kind as Msg, true);
}

function isEmpty(v: unknown): boolean {
  return (
    v === '' ||
    v === 0 ||
    v === false ||
    v === undefined ||
    (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)
  );
}

function message(buf: Buffer, schema: Msg, prune: boolean): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (!r.done) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    const def = schema[field];
    if (!def) {
      r.skip(wire);
      continue;
    }
    const [name, k] = def;
    const kind = resolve(k);
    if (typeof kind === 'object' && 'rep' in kind) {
      const list = (out[name] as unknown[] | undefined) ?? [];
      list.push(scalar(kind.rep as Kind, r, wire));
      out[name] = list;
    } else if (typeof kind === 'object' && 'map' in kind) {
      const entry = message(r.bytes(), { 1: ['key', 's'], 2: ['value', kind.map as Kind] }, false);
      const map = (out[name] as Record<string, unknown> | undefined) ?? {};
      map[String(entry.key ?? '')] = entry.value ?? (kind.map === 'i' ? 0 : '');
      out[name] = map;
    } else {
      const v = scalar(kind, r, wire);
      if (prune && isEmpty(v)) continue;
      if (name === INLINE && typeof v === 'object') Object.assign(out, v);
      else out[name] = v;
    }
  }
  return out;
}

/** Decodes a `k8s\0` runtime.Unknown envelope into a JSON object (apiVersion, kind, known fields). */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (!body.subarray(0, 4).equals(MAGIC)) throw badRequest('the protobuf body lacks the k8s envelope');
  const envelope = message(
    body.subarray(4),
    { 1: ['typeMeta', { 1: ['apiVersion', 's'], 2: ['kind', 's'] }], 2: ['raw', 'bytes'] },
    false,
  );
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const hpaV2 = typeMeta.kind === 'HorizontalPodAutoscaler' && typeMeta.apiVersion !== 'autoscaling/v1';
  const schema = hpaV2 ? undefined : KINDS[typeMeta.kind ?? ''];
  if (!schema) {
    throw badRequest(
      `protobuf bodies are understood for ${Object.keys(KINDS).join(', ')} only; send JSON (kubectl apply -f) for ${typeMeta.kind}`,
    );
  }
  const raw = Buffer.from(String(envelope.raw ?? ''), 'base64');
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...message(raw, schema, true) };
}
