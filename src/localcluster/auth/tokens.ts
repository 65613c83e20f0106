// ServiceAccount tokens of the local cluster: HS256 JWTs signed with a key kept in the cluster
// directory (so tokens survive a restart), carrying the claims Kubernetes puts in a bound token. The
// API server turns a valid one into the identity `system:serviceaccount:<ns>:<name>`; RBAC then
// decides what it may do (rbac.ts).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_ISSUER = 'https://slipway.local-cluster';

export interface UserInfo {
  name: string;
  groups: string[];
  /** Set for ServiceAccount identities. */
  serviceAccount?: { namespace: string; name: string };
}

export interface TokenIssuer {
  issue(namespace: string, serviceAccount: string, pod?: { name: string; uid: string }): string;
  /**
   * The identity of a token this cluster issued; `invalid` for one that claims our issuer but whose
   * signature does not match; undefined for any other credential (not ours to judge).
   */
  verify(token: string): UserInfo | 'invalid' | undefined;
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    name: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    serviceAccount: { namespace, name },
  };
}

/** The signing key in `<dir>/serviceaccount.key`, made on first use. */
export function loadSigningKey(dir: string): Buffer {
  const path = join(dir, 'serviceaccount.key');
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length >= 32) return key;
  }
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600 });
  return key;
}

export function createTokenIssuer(key: Buffer): TokenIssuer {
  const sign = (data: string) => createHmac('sha256', key).update(data).digest();
  return {
    issue(namespace, serviceAccount, pod) {
      const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
      const claims = {
        iss: TOKEN_ISSUER,
        sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
        aud: [TOKEN_ISSUER],
        iat: Math.floor(Date.now() / 1000),
        'kubernetes.io': {
          namespace,
          serviceaccount: { name: serviceAccount },
          ...(pod ? { pod } : {}),
        },
      };
      const body = `${header}.${b64(JSON.stringify(claims))}`;
      return `${body}.${sign(body).toString('base64url')}`;
    },
    verify(token) {
      const parts = token.split('.');
      if (parts.length !== 3) return undefined;
      let claims: {
        iss?: unknown;
        'kubernetes.io'?: { namespace?: unknown; serviceaccount?: { name?: unknown } };
      };
      try {
        claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      if (claims?.iss !== TOKEN_ISSUER) return undefined;
      const expected = sign(`${parts[0]}.${parts[1]}`);
      const given = Buffer.from(parts[2] as string, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
      const k = claims['kubernetes.io'];
      const ns = k?.namespace;
      const name = k?.serviceaccount?.name;
      if (typeof ns !== 'string' || typeof name !== 'string') return 'invalid';
      return serviceAccountUser(ns, name);
    },
  };
}
