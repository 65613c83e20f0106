// Request and response schemas of the API (zod, registered in the OpenAPI document). Responses that
// mirror internal records (release records, promotions, audit entries) are described as open objects:
// their shape is the one `--output json` prints, documented in docs/server.md.
import { z } from '@hono/zod-openapi';

export const EnvParam = z.object({
  env: z
    .string()
    .min(1)
    .openapi({ param: { name: 'env', in: 'path' }, example: 'production' }),
});
export const ServiceParams = EnvParam.extend({
  service: z
    .string()
    .min(1)
    .openapi({ param: { name: 'service', in: 'path' }, example: 'booking' }),
});
export const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'id', in: 'path' }, example: 12 }),
});
export const RunIdParam = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const reason = z.string().min(1).max(2000).optional().openapi({ description: 'Why; kept in the audit log' });
const overrideFreeze = z.string().min(1).max(2000).optional().openapi({
  description: 'Release through a freeze (admins of the environment only); the reason is audited',
});

export const DeployBody = z
  .strictObject({
    imageTag: z.string().min(1).max(128).optional(),
    digest: z.string().min(1).optional(),
    set: z.array(z.string()).max(200).optional().openapi({ description: 'Helm strvals, as --set' }),
    setString: z.array(z.string()).max(200).optional(),
    setJson: z.array(z.string()).max(200).optional(),
    reason,
    hotfix: z.boolean().optional(),
    overrideFreeze,
    timeout: z.string().optional().openapi({ description: 'e.g. 10m' }),
  })
  .openapi('DeployRequest');

export const RollbackBody = z
  .strictObject({ toRevision: z.number().int().positive().optional(), reason, overrideFreeze })
  .openapi('RollbackRequest');
export const ResumeBody = z.strictObject({ overrideFreeze }).openapi('ResumeRequest');
export const GateBody = z
  .strictObject({ full: z.boolean().optional(), reason, overrideFreeze })
  .openapi('GateRequest');
export const ApplyBody = z
  .strictObject({
    targets: z.array(z.string()).optional(),
    hotfix: z.boolean().optional(),
    reason,
    overrideFreeze,
  })
  .openapi('ApplyRequest');
export const PromoteBody = z
  .strictObject({
    service: z.string().min(1).openapi({ description: 'A service, or "all"' }),
    from: z.string().min(1),
    to: z.string().min(1),
    version: z.string().optional(),
    digest: z.string().optional(),
    reason,
    hotfix: z.boolean().optional(),
  })
  .openapi('PromotionRequest');
export const ApproveBody = z.strictObject({ comment: z.string().max(2000).optional() }).openapi('Approval');
export const RejectBody = z.strictObject({ reason: z.string().min(1).max(2000) }).openapi('Rejection');
export const FreezeBody = z
  .strictObject({
    reason: z.string().min(1).max(2000),
    for: z.string().optional().openapi({ example: '2h' }),
  })
  .openapi('FreezeRequest');
export const UnfreezeBody = z
  .strictObject({ reason: z.string().min(1).max(2000) })
  .openapi('UnfreezeRequest');
/** The emergency stop of every environment (POST /freezes): the same fields, for all of them. */
export const FreezeAllBody = z
  .strictObject({
    reason: z.string().min(1).max(2000),
    for: z.string().optional().openapi({ example: '2h' }),
  })
  .openapi('FreezeAllRequest');
export const UnfreezeAllBody = z
  .strictObject({ reason: z.string().min(1).max(2000) })
  .openapi('UnfreezeAllRequest');

export const AuditQuery = z.object({
  env: z.string().optional(),
  service: z.string().optional(),
  action: z.string().optional(),
  since: z.string().optional().openapi({ description: 'ISO time' }),
});
export const PromotionsQuery = z.object({
  status: z.string().optional().openapi({ description: 'Comma-separated statuses, e.g. requested,approved' }),
  to: z.string().optional(),
});

export const Anything = z.record(z.string(), z.unknown()).openapi('Object');
export const RunView = z
  .object({
    id: z.string(),
    kind: z.string(),
    environment: z.string(),
    service: z.string().optional(),
    startedBy: z.string(),
    status: z.enum(['running', 'succeeded', 'failed']),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    result: z.unknown().optional(),
    error: z.unknown().optional(),
  })
  .openapi('Run');
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    errorType: z.string(),
    hint: z.string().optional(),
    details: z.array(z.string()).optional(),
  })
  .openapi('Problem');

const problem = (description: string) => ({
  content: { 'application/problem+json': { schema: ProblemSchema } },
  description,
});
/** The error responses every authenticated route may give. */
export const ERRORS = {
  400: problem('Invalid input'),
  401: problem('No valid bearer token'),
  403: problem('The caller lacks the role, or a rule refuses it'),
  404: problem('Unknown environment, service or id'),
  409: problem('Conflicts with another release or request'),
  422: problem('Refused by policy'),
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
export const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: false },
});
