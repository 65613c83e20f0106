// Security checks on pod templates (Polaris / kube-score / kube-linter equivalents) and the project's
// own production rules (read-only root with a writable /tmp, seccomp RuntimeDefault).
import type { CheckDefinition } from '../types.ts';
import { eachContainer, eachWorkload, effective, map, sev } from './define.ts';
import { isMap } from './index-objects.ts';

const DANGEROUS_CAPABILITIES = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'NET_RAW',
  'SYS_PTRACE',
  'SYS_MODULE',
  'SYS_RAWIO',
  'DAC_READ_SEARCH',
  'BPF',
  'PERFMON',
  'SYS_BOOT',
  'SYS_TIME',
]);

/** PASSWORD, SECRET, TOKEN, *_KEY…, but not names of where a secret lives (…_URL, …_FILE, …_ISSUER). */
export function looksSecret(name: string): boolean {
  const n = name.toUpperCase();
  if (
    /_(URL|URI|HOST|HOSTS|ENDPOINT|PATH|FILE|DIR|ISSUER|AUDIENCE|TTL|EXPIRY|HEADER|NAME|ID|ENABLED|TYPE|LENGTH)$/.test(
      n,
    )
  )
    return false;
  return (
    /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)/.test(n) ||
    /(^|_)KEY$/.test(n)
  );
}

export const SECURITY_CHECKS: CheckDefinition[] = [
  {
    id: 'SLW-SEC-001',
    name: 'run-as-non-root',
    category: 'security',
    rationale: 'A container running as root turns any escape or mount mistake into root on the node.',
    remedy: 'Keep podSecurityContext.runAsNonRoot: true and a non-zero runAsUser.',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'podSecurityContext.runAsNonRoot',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const nonRoot = effective(c, w, 'runAsNonRoot');
        const user = effective(c, w, 'runAsUser');
        if (user.value === 0) {
          out.push({
            object: w.object,
            path: user.path,
            message: 'runs as user 0 (root)',
            valuesPath: 'podSecurityContext.runAsUser',
          });
        } else if (nonRoot.value !== true) {
          out.push({
            object: w.object,
            path: nonRoot.path,
            message: nonRoot.value === false ? 'runAsNonRoot is false' : 'runAsNonRoot is not set to true',
          });
        }
      }),
  },
  {
    id: 'SLW-SEC-002',
    name: 'read-only-root-filesystem',
    category: 'security',
    rationale: 'A writable root filesystem lets an attacker change binaries and hide tools in the image.',
    remedy: 'Set securityContext.readOnlyRootFilesystem: true and mount scratch space with scratchVolumes.',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'securityContext.readOnlyRootFilesystem',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const v = map(c.container.securityContext).readOnlyRootFilesystem;
        if (v !== true) {
          out.push({
            object: w.object,
            path: `${c.path}.securityContext.readOnlyRootFilesystem`,
            message: 'the root filesystem is writable',
          });
        }
      }),
  },
  {
    id: 'SLW-SEC-003',
    name: 'writable-tmp',
    category: 'security',
    rationale:
      'With a read-only root filesystem most runtimes still need a writable /tmp; without one they fail at run time.',
    remedy: 'Keep scratchVolumes.tmp: /tmp (an emptyDir) when readOnlyRootFilesystem is true.',
    severity: sev('info', 'warning', 'error'),
    valuesPath: 'scratchVolumes.tmp',
    run: (scope) =>
      eachContainer(
        scope,
        (c, w, out) => {
          if (map(c.container.securityContext).readOnlyRootFilesystem !== true) return;
          const mounts = Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : [];
          const volumes = new Map<string, unknown>();
          for (const v of Array.isArray(w.podSpec.volumes) ? w.podSpec.volumes : [])
            if (isMap(v)) volumes.set(String(v.name), v);
          const tmp = mounts.find((m) => isMap(m) && m.mountPath === '/tmp') as
            | Record<string, unknown>
            | undefined;
          if (!tmp) {
            out.push({
              object: w.object,
              path: `${c.path}.volumeMounts`,
              message: 'root filesystem is read-only but nothing is mounted at /tmp',
            });
          } else if (
            !isMap(volumes.get(String(tmp.name))) ||
            !isMap(map(volumes.get(String(tmp.name))).emptyDir)
          ) {
            out.push({
              object: w.object,
              path: `${c.path}.volumeMounts`,
              message: `/tmp is mounted from volume "${String(tmp.name)}", which is not an emptyDir`,
            });
          }
        },
        false,
      ),
  },
  {
    id: 'SLW-SEC-004',
    name: 'privileged',
    category: 'security',
    rationale: 'A privileged container has every capability and all host devices: it is root on the node.',
    remedy: 'Remove securityContext.privileged (it defaults to false in the chart).',
    severity: sev('error', 'error', 'error'),
    valuesPath: 'securityContext.privileged',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        if (map(c.container.securityContext).privileged === true) {
          out.push({
            object: w.object,
            path: `${c.path}.securityContext.privileged`,
            message: 'the container is privileged',
          });
        }
      }),
  },
  {
    id: 'SLW-SEC-005',
    name: 'privilege-escalation',
    category: 'security',
    rationale:
      'Without allowPrivilegeEscalation: false a process can gain more privileges than its parent (setuid binaries).',
    remedy: 'Set securityContext.allowPrivilegeEscalation: false.',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'securityContext.allowPrivilegeEscalation',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const v = map(c.container.securityContext).allowPrivilegeEscalation;
        if (v !== false) {
          out.push({
            object: w.object,
            path: `${c.path}.securityContext.allowPrivilegeEscalation`,
            message:
              v === true
                ? 'allowPrivilegeEscalation is true'
                : 'allowPrivilegeEscalation is not set to false',
          });
        }
      }),
  },
  {
    id: 'SLW-SEC-006',
    name: 'dangerous-capabilities',
    category: 'security',
    rationale:
      'Capabilities such as SYS_ADMIN, NET_ADMIN or ALL give near-root power over the node or its network.',
    remedy:
      'Remove them from securityContext.capabilities.add; add only narrowly needed ones like NET_BIND_SERVICE.',
    severity: sev('error', 'error', 'error'),
    valuesPath: 'securityContext.capabilities.add',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const add = map(map(c.container.securityContext).capabilities).add;
        if (!Array.isArray(add)) return;
        add.forEach((cap, i) => {
          const name = String(cap).toUpperCase().replace(/^CAP_/, '');
          if (DANGEROUS_CAPABILITIES.has(name)) {
            out.push({
              object: w.object,
              path: `${c.path}.securityContext.capabilities.add[${i}]`,
              message: `adds the dangerous capability ${name}`,
            });
          }
        });
      }),
  },
  {
    id: 'SLW-SEC-007',
    name: 'drop-all-capabilities',
    category: 'security',
    rationale: 'The runtime grants a default set of capabilities (e.g. NET_RAW) that services do not need.',
    remedy: 'Keep securityContext.capabilities.drop: [ALL].',
    severity: sev('info', 'warning', 'error'),
    valuesPath: 'securityContext.capabilities.drop',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const drop = map(map(c.container.securityContext).capabilities).drop;
        if (!Array.isArray(drop) || !drop.some((d) => String(d).toUpperCase() === 'ALL')) {
          out.push({
            object: w.object,
            path: `${c.path}.securityContext.capabilities.drop`,
            message: 'capabilities are not dropped with drop: [ALL]',
          });
        }
      }),
  },
  {
    id: 'SLW-SEC-008',
    name: 'host-namespaces',
    category: 'security',
    rationale:
      "Sharing the host's network, PID or IPC namespace exposes the node's processes and traffic to the pod.",
    remedy: 'Remove hostNetwork, hostPID and hostIPC (false in the chart).',
    severity: sev('error', 'error', 'error'),
    valuesPath: 'hostNetwork',
    run: (scope) =>
      eachWorkload(scope, (w, out) => {
        for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) {
          if (w.podSpec[k] === true)
            out.push({ object: w.object, path: `${w.podPath}.${k}`, message: `${k} is true`, valuesPath: k });
        }
      }),
  },
  {
    id: 'SLW-SEC-009',
    name: 'host-path',
    category: 'security',
    rationale: "A hostPath volume gives the pod the node's files; a write there can take over the node.",
    remedy: 'Use emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead.',
    severity: sev('error', 'error', 'error'),
    run: (scope) =>
      eachWorkload(scope, (w, out) => {
        const vols = Array.isArray(w.podSpec.volumes) ? w.podSpec.volumes : [];
        vols.forEach((v, i) => {
          if (isMap(v) && v.hostPath !== undefined) {
            out.push({
              object: w.object,
              path: `${w.podPath}.volumes[${i}].hostPath`,
              message: `volume "${String(v.name)}" is a hostPath`,
            });
          }
        });
      }),
  },
  {
    id: 'SLW-SEC-010',
    name: 'host-port',
    category: 'security',
    rationale:
      "A hostPort binds the node's port: it limits scheduling to one pod per node and bypasses NetworkPolicy.",
    remedy: 'Expose the port through the Service instead of hostPort.',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'ports',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const ports = Array.isArray(c.container.ports) ? c.container.ports : [];
        ports.forEach((p, i) => {
          if (isMap(p) && p.hostPort !== undefined && p.hostPort !== null && p.hostPort !== 0) {
            out.push({
              object: w.object,
              path: `${c.path}.ports[${i}].hostPort`,
              message: `binds host port ${String(p.hostPort)}`,
            });
          }
        });
      }),
  },
  {
    id: 'SLW-SEC-011',
    name: 'seccomp-runtime-default',
    category: 'security',
    rationale:
      'Without a seccomp profile every system call is allowed; RuntimeDefault blocks the dangerous ones.',
    remedy: 'Keep podSecurityContext.seccompProfile.type: RuntimeDefault (or Localhost).',
    severity: sev('info', 'warning', 'error'),
    valuesPath: 'podSecurityContext.seccompProfile.type',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const p = effective(c, w, 'seccompProfile');
        const type = map(p.value).type;
        if (type !== 'RuntimeDefault' && type !== 'Localhost') {
          out.push({
            object: w.object,
            path: `${p.path}.type`,
            message: type === undefined ? 'no seccomp profile is set' : `seccomp profile is ${String(type)}`,
          });
        }
      }),
  },
  {
    id: 'SLW-SEC-012',
    name: 'secret-in-env',
    category: 'security',
    rationale:
      'A secret written as a literal env value ends up in the repository, the manifests and the release history.',
    remedy: 'Move it to secrets: (resolved at deploy time) or envFrom: { NAME: { secretKeyRef: … } }.',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'env',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const env = Array.isArray(c.container.env) ? c.container.env : [];
        env.forEach((e, i) => {
          if (!isMap(e) || typeof e.value !== 'string' || e.value === '') return;
          const name = String(e.name);
          if (looksSecret(name)) {
            out.push({
              object: w.object,
              path: `${c.path}.env[${i}].value`,
              message: `${name} looks like a secret but has a literal value`,
              valuesPath: `env.${name}`,
            });
          }
        });
      }),
  },
  {
    id: 'SLW-SEC-013',
    name: 'default-service-account',
    category: 'security',
    rationale: "Pods on the namespace's default ServiceAccount share whatever permissions anyone granted it.",
    remedy: 'Keep serviceAccount.create: true (one ServiceAccount per service) or set serviceAccount.name.',
    severity: sev('info', 'warning', 'error'),
    valuesPath: 'serviceAccount.create',
    run: (scope) =>
      eachWorkload(scope, (w, out) => {
        const sa = w.podSpec.serviceAccountName ?? w.podSpec.serviceAccount;
        if (sa === undefined || sa === '' || sa === 'default') {
          out.push({
            object: w.object,
            path: `${w.podPath}.serviceAccountName`,
            message: 'runs as the default ServiceAccount',
          });
        }
      }),
  },
  {
    id: 'SLW-SEC-014',
    name: 'automount-token',
    category: 'security',
    rationale:
      'A mounted API token lets anything running in the pod call the Kubernetes API; most services never need it.',
    remedy: 'Keep serviceAccount.automountToken: false unless the service calls the Kubernetes API.',
    severity: sev('info', 'warning', 'error'),
    valuesPath: 'serviceAccount.automountToken',
    run: (scope) =>
      eachWorkload(scope, (w, out) => {
        if (w.podSpec.automountServiceAccountToken !== false) {
          out.push({
            object: w.object,
            path: `${w.podPath}.automountServiceAccountToken`,
            message: 'the ServiceAccount token is mounted',
          });
        }
      }),
  },
];
