// The schema of slipway.yaml and of environments/<env>.yaml. It is the single source of the platform
// model's types (z.infer below) and of the shipped JSON Schema (schema/slipway.schema.json).
// Objects are strict so that a typo is an error with a "did you mean", never silently ignored.
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../shared/duration.ts';
import { imageNameProblem, imageReferenceProblem, imageTagProblem } from '../shared/image-ref.ts';
import { chartPinSchema } from './chart-pin.ts';
import { remoteRefSchema, secretsProviderSchema } from './secrets-schema.ts';

const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-"')
  .max(50);

const duration = z
  .string()
  .regex(DURATION_PATTERN, 'must be a duration like 30s, 5m, 1h30m or 2d')
  .describe('A duration: digits followed by ms, s, m, h or d, e.g. 90s, 5m, 1h30m');

/** A duration longer than zero (an analysis interval of 0s would measure in a busy loop). */
const positiveDuration = duration.refine(
  (s) => !DURATION_PATTERN.test(s) || parseDuration(s) > 0,
  'must be longer than 0, e.g. 30s',
);

/** A string checked by one of the image grammar's functions (shared/image-ref.ts). */
const imagePart = (problem: (s: string) => string | undefined) =>
  z.string().superRefine((s, ctx) => {
    const p = problem(s);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });

const percent = z.number().int().min(0).max(100);

// ---------- strategies ----------

export const canaryStepSchema = z.union([
  z.strictObject({ setWeight: percent }),
  z.strictObject({
    pause: z.strictObject({ duration: duration.optional() }).describe('Without a duration: wait for promote'),
  }),
  z.strictObject({
    analysis: z.strictObject({
      templates: z.array(z.string()).min(1),
      args: z.record(z.string(), z.string()).optional(),
    }),
  }),
  z.strictObject({
    setCanaryScale: z.union([
      z.strictObject({ replicas: z.number().int().min(0) }),
      z.strictObject({ weight: percent }),
      z.strictObject({ matchTrafficWeight: z.literal(true) }),
    ]),
  }),
  z.strictObject({
    setHeaderRoute: z.strictObject({
      name: z.string().optional(),
      match: z
        .array(
          z.strictObject({
            headerName: z.string(),
            headerValue: z.union([
              z.strictObject({ exact: z.string() }),
              z.strictObject({ prefix: z.string() }),
              z.strictObject({ regex: z.string() }),
            ]),
          }),
        )
        .optional()
        .describe('Omit to remove the header route'),
    }),
  }),
]);

export const trafficRoutingSchema = z.union([
  z.strictObject({ istio: z.strictObject({ host: z.string().optional() }).optional().default({}) }),
  z.strictObject({ gatewayAPI: z.strictObject({ parentRef: z.string() }) }),
  z.strictObject({ nginx: z.strictObject({ ingress: z.string().optional() }).optional().default({}) }),
]);

export const rollingStrategySchema = z.strictObject({
  type: z.literal('rolling'),
  maxSurge: z.union([z.number().int().min(0), z.string().regex(/^\d+%$/)]).optional(),
  maxUnavailable: z.union([z.number().int().min(0), z.string().regex(/^\d+%$/)]).optional(),
  timeout: duration.optional(),
});

export const canaryStrategySchema = z.strictObject({
  type: z.literal('canary'),
  steps: z.array(canaryStepSchema).min(1),
  trafficRouting: trafficRoutingSchema.optional().describe('Omit to split by replica ratio'),
  backgroundAnalysis: z
    .strictObject({
      templates: z.array(z.string()).min(1),
      startingStep: z.number().int().min(0).optional(),
    })
    .optional(),
  maxSurge: z.union([z.number().int().min(0), z.string().regex(/^\d+%$/)]).optional(),
  stepTimeout: duration.optional(),
  timeout: duration.optional(),
});

export const blueGreenStrategySchema = z.strictObject({
  type: z.literal('blueGreen'),
  autoPromotion: z.boolean().optional().default(true),
  prePromotionAnalysis: z.strictObject({ templates: z.array(z.string()).min(1) }).optional(),
  postPromotionAnalysis: z.strictObject({ templates: z.array(z.string()).min(1) }).optional(),
  scaleDownDelay: duration.optional().default('30s'),
  previewReplicas: z.number().int().min(1).optional(),
  timeout: duration.optional(),
});

export const strategySchema = z.discriminatedUnion('type', [
  rollingStrategySchema,
  canaryStrategySchema,
  blueGreenStrategySchema,
]);

// ---------- analysis ----------

export const metricProviderSchema = z.union([
  z.strictObject({
    builtin: z.strictObject({
      metric: z.enum([
        'success-rate',
        'error-rate',
        'latency-p50',
        'latency-p95',
        'latency-p99',
        'request-rate',
      ]),
      compareWithStable: z.boolean().optional(),
    }),
  }),
  z.strictObject({ prometheus: z.strictObject({ address: z.string().optional(), query: z.string() }) }),
  z.strictObject({
    web: z.strictObject({
      url: z.string(),
      jsonPath: z.string().optional(),
      headers: z.record(z.string(), z.string()).optional(),
      timeout: duration.optional(),
    }),
  }),
  z.strictObject({
    job: z.strictObject({
      image: z.string(),
      command: z.array(z.string()).optional(),
      args: z.array(z.string()).optional(),
    }),
  }),
]);

// Where the providers' servers are, for metrics that do not name one. Declared at platform level and
// overridable per environment (an environment's `prometheus` replaces the platform's whole entry, so a
// token meant for one server is never sent to another). The token itself never sits in the file: only
// the name of the environment variable that holds it.
export const analysisProvidersSchema = z.strictObject({
  prometheus: z
    .strictObject({
      address: z
        .string()
        .regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL, e.g. http://127.0.0.1:9090'),
      headers: z
        .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name'), z.string())
        .optional()
        .refine((h) => !Object.keys(h ?? {}).some((k) => k.toLowerCase() === 'authorization'), {
          message: 'an Authorization header would put a credential in the file: use bearerTokenEnv',
        })
        .describe('Sent with every query (e.g. X-Scope-OrgID); not credentials'),
      bearerTokenEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name, e.g. PROM_TOKEN')
        .optional()
        .describe('Name of the environment variable holding the bearer token (never the token itself)'),
    })
    .optional(),
});

export const metricSchema = z.strictObject({
  name: z.string(),
  provider: metricProviderSchema,
  interval: positiveDuration.optional().default('30s'),
  initialDelay: duration.optional(),
  count: z.number().int().min(1).optional(),
  successCondition: z.string().optional(),
  failureCondition: z.string().optional(),
  failureLimit: z.number().int().min(0).optional().default(0),
  inconclusiveLimit: z.number().int().min(0).optional().default(0),
  consecutiveErrorLimit: z.number().int().min(0).optional().default(4),
  noData: z.enum(['fail', 'pass', 'inconclusive']).optional().default('fail'),
});

export const analysisTemplateSchema = z.strictObject({
  args: z.array(z.string()).optional(),
  metrics: z.array(metricSchema).min(1),
});

// ---------- feature flags ----------

/** A step of a flag's progressive rollout: the canary's step shapes, with the flag's share of requests. */
export const flagStepSchema = z.union([
  z.strictObject({ setPercent: percent.describe("Share of requests given the flag's new variant") }),
  z.strictObject({ pause: z.strictObject({ duration: duration }) }),
  z.strictObject({
    analysis: z.strictObject({
      templates: z.array(z.string()).min(1),
      args: z.record(z.string(), z.string()).optional(),
    }),
  }),
]);

/**
 * A feature flag (docs/flags.md): rendered into the flagd flag-definition ConfigMap that the listed
 * services' pods read with the OpenFeature SDK; changed by `slipway flag set`, a release of kind flag.
 */
export const flagSchema = z
  .strictObject({
    description: z.string().optional(),
    type: z.enum(['boolean', 'string', 'number', 'object']).optional().default('boolean'),
    variants: z
      .record(z.string().min(1), z.unknown())
      .optional()
      .describe('Variant name → value; default for a boolean flag: { on: true, off: false }'),
    defaultVariant: z
      .string()
      .optional()
      .describe('The "off" variant: what the flag serves at rest and when its analysis fails (default off)'),
    services: z
      .array(name)
      .min(1)
      .optional()
      .describe('The services whose pods read the flag (default: every service)'),
    rollout: z
      .strictObject({ steps: z.array(flagStepSchema).min(1) })
      .optional()
      .describe('Progressive rollout of a new variant: setPercent, pause and analysis steps'),
    propagation: duration
      .optional()
      .default('10s')
      .describe(
        "How long pods take to read a change (kubelet's ConfigMap sync plus the provider's file poll)",
      ),
  })
  .superRefine((f, ctx) => {
    const variants = f.variants ?? (f.type === 'boolean' ? { on: true, off: false } : undefined);
    if (!variants || Object.keys(variants).length < 2) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: 'a flag needs at least two variants' });
      return;
    }
    const expected = f.type === 'object' ? 'object' : f.type;
    for (const [k, v] of Object.entries(variants)) {
      const got = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
      if (got !== expected)
        ctx.addIssue({
          code: 'custom',
          path: ['variants', k],
          message: `a ${f.type} flag's variant must be a ${expected}, not ${got}`,
        });
    }
    const off = f.defaultVariant ?? 'off';
    if (!Object.hasOwn(variants, off))
      ctx.addIssue({
        code: 'custom',
        path: ['defaultVariant'],
        message: `"${off}" is not one of the variants (${Object.keys(variants).join(', ')})`,
      });
  });

// ---------- services ----------

export const hookSchema = z.strictObject({
  name: name,
  image: imagePart(imageReferenceProblem).optional().describe('Defaults to the service image'),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  timeout: duration.optional(),
  backoffLimit: z.number().int().min(0).optional(),
});

export const smokeTestSchema = z.union([
  z.strictObject({
    name: z.string(),
    http: z.strictObject({
      path: z.string(),
      port: z.union([z.string(), z.number().int()]).optional(),
      expectStatus: z.number().int().optional(),
      expectBody: z.string().optional(),
      retries: z.number().int().min(0).optional(),
    }),
  }),
  z.strictObject({ name: z.string(), job: hookSchema.omit({ name: true }) }),
]);

export const serviceSchema = z.strictObject({
  description: z.string().optional(),
  strategy: z.string().optional().describe('Name of an entry in strategies, or rolling | canary | blueGreen'),
  priority: z.number().int().optional().describe('Lower first when an environment is applied'),
  image: imagePart(imageNameProblem)
    .optional()
    .describe('Image repository; defaults to values image.repository'),
  hooks: z
    .strictObject({
      backup: hookSchema.optional(),
      preDeploy: z.array(hookSchema).optional(),
      postDeploy: z.array(hookSchema).optional(),
    })
    .optional(),
  smokeTests: z.array(smokeTestSchema).optional(),
  paths: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      "Where the service's code lives in its repository (git pathspec globs, e.g. services/booking/**): release notes list only commits touching them. Default: the whole repository",
    ),
  waivers: z
    .array(
      z.strictObject({
        check: z.string(),
        reason: z.string().min(1),
        environments: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

// ---------- environments ----------

export const environmentSchema = z.strictObject({
  name: name,
  namespace: name.optional().describe('Defaults to <platform>-<environment>'),
  namePrefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,29}$/, 'lowercase letters, digits and "-", starting with a letter or digit')
    .optional()
    .describe(
      "Kustomize's namePrefix: put before every object's name and every reference to it (e.g. staging-)",
    ),
  nameSuffix: z
    .string()
    .regex(/^[a-z0-9-]{0,29}[a-z0-9]$/, 'lowercase letters, digits and "-", ending with a letter or digit')
    .optional()
    .describe("Kustomize's nameSuffix: put after every object's name and every reference to it (e.g. -v2)"),
  cluster: z
    .union([z.literal('local'), z.strictObject({ context: z.string(), kubeconfig: z.string().optional() })])
    .optional()
    .default('local'),
  policy: z.enum(['relaxed', 'standard', 'strict']).optional().default('standard'),
  historyLimit: z.number().int().min(1).max(100).optional().default(10),
  autoDeploy: z.boolean().optional().default(false),
  promotion: z
    .strictObject({
      from: z.string().optional().describe('The environment this one is promoted from'),
      soak: duration.optional(),
      approvals: z.number().int().min(0).optional().default(0),
      approvalTimeout: duration.optional(),
      hotfix: z
        .strictObject({ allowed: z.boolean().default(false), approvals: z.number().int().min(0).optional() })
        .optional(),
    })
    .optional(),
  // partialRecord: an environment lists only the roles it restricts (zod 4's record over an enum requires every key).
  roles: z.partialRecord(z.enum(['viewer', 'deployer', 'approver', 'admin']), z.array(z.string())).optional(),
  analysisProviders: analysisProvidersSchema
    .optional()
    .describe("Overrides the platform's analysisProviders, one provider at a time"),
  secrets: secretsProviderSchema
    .optional()
    .describe("Where secret values come from here (docs/secrets.md); replaces the platform's secrets: entry"),
  freezeWindows: z
    .array(
      z.strictObject({
        name: z.string().optional(),
        cron: z.string().describe('Five-field cron expression for the start of the window'),
        duration: duration,
        timezone: z.string().optional(),
      }),
    )
    .optional(),
});

// ---------- the platform ----------

/** What `notifications[].events` may name (server/notify/events.ts derives them from the audit log). */
export const NOTIFICATION_EVENTS = [
  'release.started',
  'release.succeeded',
  'release.failed',
  'release.rolled-back',
  'analysis.failed',
  'approval.requested',
  'approval.given',
  'approval.rejected',
  'freeze.started',
  'freeze.ended',
  'sync.failed',
] as const;

/** A webhook `slipway serve` delivers events to: generic JSON signed with HMAC, or Slack's format. */
export const notificationSchema = z
  .strictObject({
    name: name,
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('The receiver; or urlEnv'),
    urlEnv: z.string().optional().describe('Environment variable holding the URL (keeps secrets out of git)'),
    format: z.enum(['json', 'slack']).optional().default('json'),
    secretEnv: z
      .string()
      .optional()
      .describe(
        'Environment variable holding the HMAC-SHA256 key; json deliveries carry X-Slipway-Signature',
      ),
    events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1).optional().describe('Default: every event'),
    environments: z.array(z.string()).min(1).optional().describe('Default: every environment'),
  })
  .refine((n) => (n.url === undefined) !== (n.urlEnv === undefined), {
    message: 'give exactly one of url and urlEnv',
  });

/** `slipway serve`'s settings (docs/server.md): how callers are authenticated. */
export const serverSchema = z.strictObject({
  oidc: z
    .strictObject({
      issuer: z
        .url({ protocol: /^https?$/ })
        .describe("The provider's issuer URL: tokens must name it; discovery and JWKS are read from it"),
      clientId: z
        .string()
        .min(1)
        .describe('This server at the provider: browser login, and the default audience'),
      clientSecretEnv: z
        .string()
        .optional()
        .describe(
          'Environment variable holding the client secret; without it the login is a public PKCE client',
        ),
      audience: z.string().optional().describe('The aud bearer tokens must carry (default: clientId)'),
      usernameClaim: z
        .string()
        .optional()
        .default('email')
        .describe('The claim naming the user (a people: key or email); sub when the token lacks it'),
      groupsClaim: z
        .string()
        .optional()
        .default('groups')
        .describe("The claim listing the user's groups; they count in roles: like people.<name>.groups"),
      redirectUrl: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe(
          'Where the provider returns the browser (<server>/auth/callback); default: from the request',
        ),
    })
    .optional()
    .describe(
      'OpenID Connect: bearer JWTs checked against the issuer (JWKS, issuer, audience, expiry), and browser login',
    ),
});

/**
 * GitOps (docs/server.md): `slipway serve` follows a git repository and rolls each new commit's desired
 * state on in the environments with `autoDeploy: true`, through the same gates as `slipway apply`.
 */
export const gitopsSchema = z.strictObject({
  repository: z
    .string()
    .min(1)
    .describe(
      'The repository holding this platform: a URL git can fetch (https://, ssh://, file://, git@host:path) or a local path, relative to this file',
    ),
  branch: z.string().min(1).optional().default('main').describe('The branch followed'),
  path: z
    .string()
    .optional()
    .default('.')
    .describe('The platform directory (holding slipway.yaml) inside the repository'),
  interval: positiveDuration
    .optional()
    .default('1m')
    .describe('How often the branch is fetched (a push webhook syncs at once)'),
  webhookSecretEnv: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Environment variable holding the shared secret of POST /api/v1/hooks/git (X-Hub-Signature-256); without it the webhook is off',
    ),
  selfHeal: z
    .union([z.boolean(), z.array(z.string()).min(1)])
    .optional()
    .default(false)
    .describe(
      'Re-apply the last release when live objects drift from it: true for every autoDeploy environment, or a list of them',
    ),
});

/** How `slipway release-notes` links the ticket keys and pull-request numbers it finds in commits. */
export const releaseNotesSchema = z.strictObject({
  ticketUrl: z
    .string()
    .regex(/\{key\}/, { message: 'must contain {key}, where the ticket key goes' })
    .optional()
    .describe('Link of a ticket, {key} replaced by its key, e.g. https://jira.example/browse/{key}'),
  pullRequestUrl: z
    .string()
    .regex(/\{number\}/, { message: 'must contain {number}, where the pull-request number goes' })
    .optional()
    .describe(
      'Link of a pull request, {number} replaced by its number, e.g. https://git.example/org/repo/pull/{number}',
    ),
  ticketPattern: z
    .string()
    .min(1)
    .refine((s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression')
    .optional()
    .describe('Regular expression of a ticket key in commit messages; default [A-Z][A-Z0-9]+-[0-9]+'),
});
export type ReleaseNotesConfig = z.infer<typeof releaseNotesSchema>;

export const platformSchema = z.strictObject({
  $schema: z.string().optional(),
  apiVersion: z.literal('slipway.dev/v1'),
  kind: z.literal('Platform'),
  name: name,
  description: z.string().optional(),
  services: z.record(name, serviceSchema).refine((s) => Object.keys(s).length > 0, 'at least one service'),
  environments: z.array(environmentSchema).min(1),
  strategies: z.record(name, strategySchema).optional(),
  analysis: z.record(name, analysisTemplateSchema).optional(),
  analysisProviders: analysisProvidersSchema.optional(),
  secrets: secretsProviderSchema
    .optional()
    .describe('Default for every environment: externalSecrets or sealedSecrets (docs/secrets.md)'),
  notifications: z.array(notificationSchema).optional(),
  people: z
    .record(
      z.string(),
      z.strictObject({ groups: z.array(z.string()).optional(), email: z.string().optional() }),
    )
    .optional(),
  server: serverSchema.optional(),
  gitops: gitopsSchema.optional(),
  releaseNotes: releaseNotesSchema.optional(),
  flags: z.record(name, flagSchema).optional().describe('Feature flags (docs/flags.md)'),
  localImages: z
    .array(
      z.strictObject({
        image: z.string().describe('Image name pattern; * matches any run of characters'),
        command: z.array(z.string()).min(1),
        env: z.record(z.string(), z.string()).optional(),
      }),
    )
    .optional(),
});

export type Platform = z.infer<typeof platformSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type Strategy = z.infer<typeof strategySchema>;
export type CanaryStrategy = z.infer<typeof canaryStrategySchema>;
export type CanaryStep = z.infer<typeof canaryStepSchema>;
export type BlueGreenStrategy = z.infer<typeof blueGreenStrategySchema>;
export type RollingStrategy = z.infer<typeof rollingStrategySchema>;
export type AnalysisTemplate = z.infer<typeof analysisTemplateSchema>;
export type Metric = z.infer<typeof metricSchema>;
export type AnalysisProviders = z.infer<typeof analysisProvidersSchema>;
export type ServerConfig = z.infer<typeof serverSchema>;
export type NotificationConfig = z.infer<typeof notificationSchema>;
export type GitopsConfig = z.infer<typeof gitopsSchema>;
export type FlagConfig = z.infer<typeof flagSchema>;
export type FlagStep = z.infer<typeof flagStepSchema>;

// ---------- environments/<env>.yaml: the desired state ----------

export const desiredServiceSchema = z.strictObject({
  version: imagePart(imageTagProblem).optional().describe('Image tag'),
  digest: z
    .string()
    .regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256: followed by 64 hex digits')
    .optional(),
  replicas: z.number().int().min(0).optional(),
  resources: z
    .strictObject({
      requests: z.strictObject({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
      limits: z.strictObject({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
    })
    .optional(),
  env: z.record(z.string(), z.string()).optional(),
  secrets: z
    .record(
      z.string(),
      z.union([
        z.strictObject({ fromEnv: z.string() }),
        z.strictObject({ fromFile: z.string() }),
        z.strictObject({ remoteRef: remoteRefSchema }),
      ]),
    )
    .optional()
    .describe('Secret keys and where their values come from at deploy time'),
  hosts: z.array(z.string()).optional().describe('DNS names bound to the service (Ingress hosts)'),
  values: z.record(z.string(), z.unknown()).optional().describe('Any chart values, merged last'),
  chart: chartPinSchema
    .optional()
    .describe("This service's chart version; default: the environment's chart:"),
});

export const desiredStateSchema = z.strictObject({
  $schema: z.string().optional(),
  apiVersion: z.literal('slipway.dev/v1'),
  kind: z.literal('DesiredState'),
  environment: name,
  chart: chartPinSchema.optional(),
  services: z.record(name, desiredServiceSchema).optional().default({}),
  flags: z
    .record(name, z.strictObject({ variant: z.string().min(1), percent: percent.optional() }))
    .optional()
    .describe("Each flag's state here: the variant and the share of requests given it (default 100)"),
});

export type DesiredState = z.infer<typeof desiredStateSchema>;
export type DesiredService = z.infer<typeof desiredServiceSchema>;

/** Built-in strategy names usable without declaring them under `strategies:`. */
export const BUILTIN_STRATEGIES: Record<string, Strategy> = {
  rolling: { type: 'rolling' },
  canary: {
    type: 'canary',
    steps: [
      { setWeight: 10 },
      { pause: { duration: '5m' } },
      { setWeight: 50 },
      { pause: { duration: '5m' } },
    ],
  },
  blueGreen: { type: 'blueGreen', autoPromotion: true, scaleDownDelay: '30s' },
};
