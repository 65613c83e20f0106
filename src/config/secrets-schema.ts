// Where an environment's secret values come from (docs/secrets.md). Without `secrets:` slipway resolves
// each `secrets.<KEY>: {fromEnv|fromFile}` reference itself at deploy (release/secrets.ts). With
// `externalSecrets`, the chart renders an External Secrets Operator ExternalSecret per service and the
// operator in the cluster writes the Secret; with `sealedSecrets`, the service's SealedSecret manifest
// from the platform repository is passed through and the controller decrypts it. Either way no value
// is in the rendered manifests. `localValues` stands in for the store or the controller when the
// environment targets the embedded local cluster, where neither runs.
import { z } from 'zod';
import type { YamlFile } from './yaml-source.ts';

/** Go's time.ParseDuration grammar, which ESO reads refreshInterval with (`0` turns refresh off). */
const GO_DURATION = /^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/;

export const secretsProviderSchema = z
  .strictObject({
    externalSecrets: z
      .strictObject({
        store: z.strictObject({
          name: z.string().min(1).describe('The SecretStore or ClusterSecretStore that reads the backend'),
          kind: z.enum(['SecretStore', 'ClusterSecretStore']).optional().default('SecretStore'),
        }),
        refreshInterval: z
          .string()
          .regex(GO_DURATION, 'must be a Go duration like 1h, 15m or 0 (no refresh)')
          .optional()
          .default('1h'),
      })
      .optional()
      .describe(
        'Render an ExternalSecret per service (AWS Secrets Manager, Vault, … behind the store); values secrets.<KEY> need remoteRef: {key, property?, version?}',
      ),
    sealedSecrets: z
      .strictObject({
        directory: z
          .string()
          .min(1)
          .describe(
            "Platform-relative directory holding <service>.yaml, each service's SealedSecret manifest",
          ),
      })
      .optional()
      .describe(
        "Pass each service's SealedSecret (bitnami.com/v1alpha1) through; values secrets.<KEY> name its keys",
      ),
    localValues: z
      .string()
      .min(1)
      .optional()
      .default('.slipway/secrets.local.yaml')
      .describe(
        'Development only: the file (platform-relative) the embedded local cluster takes the values from, since no operator or controller runs there',
      ),
  })
  .refine((s) => (s.externalSecrets === undefined) !== (s.sealedSecrets === undefined), {
    message: 'give exactly one of externalSecrets and sealedSecrets',
  });

export type SecretsProvider = z.infer<typeof secretsProviderSchema>;

/** Where one key lives in the external store: ESO's remoteRef (key, optional property and version). */
export const remoteRefSchema = z.strictObject({
  key: z.string().min(1).describe('The secret in the backend, e.g. orders/payment or a Vault path'),
  property: z.string().min(1).optional().describe('A field of a JSON/map secret'),
  version: z.string().min(1).optional(),
});

/**
 * An environment's `secrets:` as the chart needs it (render/secret-provider.ts): the External Secrets
 * Operator store, or the service's SealedSecret file read from the platform (undefined: it has none).
 */
export type ChartSecrets =
  | {
      externalSecrets: {
        store: { name: string; kind: 'SecretStore' | 'ClusterSecretStore' };
        refreshInterval: string;
      };
    }
  | { sealedSecrets: { directory: string; file: YamlFile | undefined } };
