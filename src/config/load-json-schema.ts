// The JSON Schemas of slipway.yaml and environments/<env>.yaml, generated from the zod schemas so
// that editors (yaml-language-server) complete and check the same rules the loader enforces. Pure.
import { z } from 'zod';
import { desiredStateSchema, platformSchema } from './schema.ts';

export const SCHEMA_FILES = {
  platform: 'slipway.schema.json',
  desiredState: 'desired-state.schema.json',
} as const;

function toJson(schema: z.ZodType, id: string, title: string): string {
  // io: 'input' — keys with defaults are optional in the file, as they are to the loader.
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  const { $schema, ...rest } = json as Record<string, unknown>;
  return `${JSON.stringify({ $schema, $id: id, title, ...rest }, null, 2)}\n`;
}

/** File name (under schema/) → content. Deterministic. */
export function generateJsonSchemas(): Map<string, string> {
  return new Map([
    [
      SCHEMA_FILES.platform,
      toJson(
        platformSchema,
        `https://slipway.dev/schema/v1/${SCHEMA_FILES.platform}`,
        'slipway platform (slipway.yaml)',
      ),
    ],
    [
      SCHEMA_FILES.desiredState,
      toJson(
        desiredStateSchema,
        `https://slipway.dev/schema/v1/${SCHEMA_FILES.desiredState}`,
        'slipway desired state (environments/<environment>.yaml)',
      ),
    ],
  ]);
}
