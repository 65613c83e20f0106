// The files `slipway init` writes: a small working platform (one service, three environments) that
// loads, lints and deploys as is, commented so that it doubles as a tour of the file layout. Pure.
import { usageError } from '../shared/errors.ts';

export interface ScaffoldOptions {
  /** Platform name (a DNS label); namespaces default to <name>-<environment>. */
  name: string;
  /**
   * Where the JSON Schemas are, as seen from the platform directory (a relative path or a URL
   * ending in "/"). When set, YAML files get a yaml-language-server modeline for editor completion.
   */
  schemaBase?: string;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Turns any directory name into a platform name, or undefined when nothing usable is left. */
export function platformNameFrom(dirName: string): string | undefined {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return NAME.test(name) ? name : undefined;
}

/** File path (relative, "/"-separated) → content, in the order they are best written and listed. */
export function scaffoldPlatform(options: ScaffoldOptions): Map<string, string> {
  const { name } = options;
  if (!NAME.test(name) || name.length > 50) {
    throw usageError(`invalid platform name "${name}"`, {
      hint: 'Use a DNS label: lower-case letters, digits and "-", at most 50 characters, e.g. --name shop.',
    });
  }
  // Relative schema paths are relative to each YAML file, so files in subdirectories climb one more level.
  const modeline = (schema: string, subdir = false) => {
    if (options.schemaBase === undefined) return '';
    const base = options.schemaBase;
    const relativeBase = !/^[a-z][a-z0-9+.-]*:/i.test(base) && !base.startsWith('/');
    return `# yaml-language-server: $schema=${subdir && relativeBase ? '../' : ''}${base}${schema}\n`;
  };
  const desired = (env: string, body: string) =>
    `${modeline('desired-state.schema.json', true)}# Desired state of ${env}: which version of each service runs there and with which settings.
# Promotion edits this file; reverting a commit to it is a rollback.
apiVersion: slipway.dev/v1
kind: DesiredState
environment: ${env}
services:
${body}`;

  const files = new Map<string, string>();
  files.set(
    'slipway.yaml',
    `${modeline('slipway.schema.json')}# The platform: its services, and its environments in promotion order.
apiVersion: slipway.dev/v1
kind: Platform
name: ${name}
description: A platform created by slipway init

services:
  web:
    description: The web front end
    image: ghcr.io/example/web
    # rolling (the default), canary or blueGreen, or the name of an entry under strategies:
    strategy: rolling
    smokeTests:
      - name: ready
        http:
          path: /health/ready
          expectStatus: 200

environments:
  - name: development
    policy: relaxed
    autoDeploy: true
  - name: staging
    promotion:
      from: development
  - name: production
    policy: strict
    promotion:
      from: staging
      approvals: 1

# The embedded local cluster (cluster: local, the default) runs images matching these patterns as
# local processes. Until you have your own image, slipway's bundled demo service stands in for it
# (a bin of the slipway package, found wherever slipway is installed: no path of this machine).
localImages:
  - image: ghcr.io/example/*
    command: [slipway-demo-service]
`,
  );

  files.set(
    'values.yaml',
    `# Base values for every service, layered over the chart's defaults. Later layers win:
#   values.yaml → values/<service>.yaml → values/<environment>.yaml
#   → values/<service>.<environment>.yaml → environments/<environment>.yaml → --set
# Maps merge, lists and scalars replace, null deletes a key.
ports:
  http: 8080

resources:
  requests:
    cpu: 100m
    memory: 128Mi
  limits:
    memory: 256Mi
`,
  );

  files.set(
    'values/web.yaml',
    `# Values for the web service in every environment.
env:
  LOG_LEVEL: info

probes:
  readiness:
    path: /health/ready
  liveness:
    path: /health/live
`,
  );

  files.set(
    'values/production.yaml',
    `# Values for every service in production.
autoscaling:
  minReplicas: 3
  maxReplicas: 10

pdb:
  minAvailable: 2

resources:
  requests:
    cpu: 250m
    memory: 256Mi
  limits:
    memory: 512Mi
`,
  );

  files.set(
    'environments/development.yaml',
    desired(
      'development',
      `  web:
    version: "1.0.0"
    replicas: 1
    env:
      LOG_LEVEL: debug
`,
    ),
  );
  files.set(
    'environments/staging.yaml',
    desired(
      'staging',
      `  web:
    version: "1.0.0"
    replicas: 2
`,
    ),
  );
  files.set(
    'environments/production.yaml',
    desired(
      'production',
      `  web:
    version: "1.0.0"
    # The strict policy requires images pinned by digest: the tag is then informational only.
    digest: sha256:e1f42d4a36906ed5ddc4bd124a61cf172e49428ad6f3be271e4625df3dbc2128
    replicas: 3
`,
    ),
  );
  return files;
}
