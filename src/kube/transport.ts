// The HTTP edge: reads the kubeconfig with @kubernetes/client-node (contexts, TLS, tokens, exec
// plugins) and sends requests with node:http(s) using the agent and headers it prepares. slipway does
// not use client-node's typed API classes: they turn timestamps into Date objects and drop fields
// they do not model, and a release orchestrator must send and read objects exactly as written.
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { usageError } from '../shared/errors.ts';
import { KubeHttpError } from './errors.ts';

export interface KubeconfigChoice {
  kubeconfigPath?: string;
  context?: string;
  /** The cluster this process runs in, as its pod's ServiceAccount (inClusterConfig). */
  inCluster?: boolean;
}

const SERVICEACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Running in a pod: KUBERNETES_SERVICE_HOST/PORT and the ServiceAccount token that the kubelet
 * mounts. The local cluster's pods are host processes: their files live under $SLIPWAY_POD_ROOT and
 * its API server speaks plain HTTP (no ca.crt). Undefined outside a pod.
 */
export function inClusterConfig(
  env: NodeJS.ProcessEnv = process.env,
): { pathPrefix: string; localCluster: boolean } | undefined {
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) return undefined;
  const pathPrefix = env.SLIPWAY_POD_ROOT ?? '';
  if (!existsSync(`${pathPrefix}${SERVICEACCOUNT_DIR}/token`)) return undefined;
  return { pathPrefix, localCluster: pathPrefix !== '' };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

export interface Transport {
  readonly server: string;
  readonly context: string | undefined;
  /** Sends one request; non-2xx answers throw KubeHttpError, network failures their Node error. */
  send(spec: RequestSpec): Promise<HttpAnswer>;
  /** Streams newline-delimited JSON (a watch); resolves when the stream ends, rejects on failure. */
  stream(
    path: string,
    query: RequestSpec['query'],
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

type KubeConfigLike = import('@kubernetes/client-node').KubeConfig;

/** Loads the kubeconfig and selects the context; a wrong context is reported before any request. */
export async function loadKubeconfig(choice: KubeconfigChoice): Promise<KubeConfigLike> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (choice.inCluster) return loadInCluster(kc);
  try {
    if (choice.kubeconfigPath) kc.loadFromFile(choice.kubeconfigPath);
    else kc.loadFromDefault();
  } catch (e) {
    const where = choice.kubeconfigPath ?? process.env.KUBECONFIG ?? '~/.kube/config';
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw usageError(
      missing
        ? `kubeconfig ${where} does not exist`
        : `cannot read kubeconfig ${where}: ${(e as Error).message}`,
      {
        hint: missing
          ? 'Start the local cluster with `slipway cluster up` (it writes its kubeconfig), or set cluster.kubeconfig for the environment.'
          : 'Check that the file is a valid kubeconfig (kubectl config view --kubeconfig <file>).',
        cause: e,
      },
    );
  }
  const names = kc.getContexts().map((c) => c.name);
  if (choice.context !== undefined) {
    if (!names.includes(choice.context)) {
      const where = choice.kubeconfigPath ?? process.env.KUBECONFIG ?? '~/.kube/config';
      throw usageError(`context "${choice.context}" is not in kubeconfig ${where}`, {
        details: names.length > 0 ? names.map((n) => `available: ${n}`) : ['the kubeconfig has no contexts'],
        hint: 'Set cluster.context of the environment to one of the available contexts (kubectl config get-contexts).',
        data: { contexts: names },
      });
    }
    kc.setCurrentContext(choice.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw usageError('the kubeconfig has no current context with a cluster server', {
      details: names.map((n) => `available: ${n}`),
      hint: 'Name a context in cluster.context of the environment, or run `slipway cluster up`.',
    });
  }
  return kc;
}

/** client-node's loadFromCluster; for the local cluster's pods its files and plain-HTTP server. */
function loadInCluster(kc: KubeConfigLike): KubeConfigLike {
  const ic = inClusterConfig();
  if (!ic) {
    throw usageError('not running in a pod: no KUBERNETES_SERVICE_HOST or no ServiceAccount token', {
      hint: `In-cluster access needs the pod's token at ${SERVICEACCOUNT_DIR}/token (automountServiceAccountToken).`,
    });
  }
  kc.loadFromCluster(ic.pathPrefix);
  if (ic.localCluster) {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const cluster = { ...kc.clusters[0]!, server: `http://${host}:${process.env.KUBERNETES_SERVICE_PORT}` };
    delete (cluster as { caFile?: string }).caFile;
    kc.loadFromOptions({
      clusters: [cluster],
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.getCurrentContext(),
    });
  }
  return kc;
}

function buildUrl(server: string, path: string, query: RequestSpec['query']): URL {
  const url = new URL(server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}

export function createTransport(kc: KubeConfigLike): Transport {
  const server = kc.getCurrentCluster()!.server;
  const context = kc.getCurrentContext() || undefined;
  const isHttps = server.startsWith('https:');
  let agent: http.Agent | undefined;

  // Per request, so that expiring tokens (exec plugins, OIDC) are refreshed by client-node.
  async function prepare(): Promise<{ headers: Record<string, string>; agent: http.Agent | undefined }> {
    const opts: https.RequestOptions = {};
    try {
      await kc.applyToHTTPSOptions(opts);
    } catch (e) {
      if (isHttps) throw e;
      // client-node refuses plain http without insecure-skip-tls-verify; the headers still apply.
      await (kc as unknown as { applyOptions(o: https.RequestOptions): Promise<void> }).applyOptions(opts);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    if (!agent) {
      const a = opts.agent;
      agent =
        a instanceof http.Agent && (isHttps ? a instanceof https.Agent : !(a instanceof https.Agent))
          ? a
          : undefined;
    }
    return { headers, agent };
  }

  function open(method: string, url: URL, headers: Record<string, string>, a: http.Agent | undefined) {
    const lib = url.protocol === 'https:' ? https : http;
    return lib.request(url, { method, headers, ...(a ? { agent: a } : {}) });
  }

  return {
    server,
    context,
    async send(spec) {
      const prepared = await prepare();
      const url = buildUrl(server, spec.path, spec.query);
      const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
      const headers: Record<string, string> = { Accept: 'application/json', ...prepared.headers };
      if (body !== undefined) {
        headers['Content-Type'] = spec.contentType ?? 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      return await new Promise<HttpAnswer>((resolve, reject) => {
        const req = open(spec.method, url, headers, prepared.agent);
        req.setTimeout(spec.timeoutMs ?? 30_000, () => {
          req.destroy(Object.assign(new Error('request timed out'), { code: 'SLIPWAY_REQUEST_TIMEOUT' }));
        });
        req.on('error', reject);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve({ status, headers: h, text });
            else reject(new KubeHttpError(status, text, h));
          });
        });
        req.end(body);
      });
    },
    async stream(path, query, onLine, signal) {
      const prepared = await prepare();
      const url = buildUrl(server, path, query);
      await new Promise<void>((resolve, reject) => {
        if (signal.aborted) return resolve();
        const req = open('GET', url, { Accept: 'application/json', ...prepared.headers }, prepared.agent);
        const onAbort = () => req.destroy();
        signal.addEventListener('abort', onAbort, { once: true });
        const finish = (err?: unknown) => {
          signal.removeEventListener('abort', onAbort);
          if (err && !signal.aborted) reject(err);
          else resolve();
        };
        req.on('error', finish);
        req.on('response', (res) => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => finish(new KubeHttpError(status, Buffer.concat(chunks).toString('utf8'))));
            res.on('error', finish);
            return;
          }
          let pending = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            pending += chunk;
            let nl = pending.indexOf('\n');
            while (nl >= 0) {
              const line = pending.slice(0, nl).trim();
              pending = pending.slice(nl + 1);
              if (line) onLine(line);
              nl = pending.indexOf('\n');
            }
          });
          res.on('end', () => {
            if (pending.trim()) onLine(pending.trim());
            finish();
          });
          res.on('aborted', () => finish());
          res.on('error', (e) => finish(e));
          res.on('close', () => finish());
        });
        req.end();
      });
    },
  };
}
