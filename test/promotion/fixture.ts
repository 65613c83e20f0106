// A small platform for the promotion tests: development → staging → production, written to a temp
// dir and loaded with the real loader.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadedPlatform, loadPlatform } from '../../src/config/load.ts';

export const PLATFORM_YAML = `apiVersion: slipway.dev/v1
kind: Platform
name: shop
services:
  booking: {}
  search: {}
environments:
  - name: development
  - name: staging
    promotion:
      from: development
      soak: 30m
    roles:
      deployer: [release-managers, ci]
  - name: production
    promotion:
      from: staging
      soak: 1h
      approvals: 2
      approvalTimeout: 24h
      hotfix:
        allowed: true
        approvals: 2
    roles:
      viewer: ['*']
      deployer: [release-managers]
      approver: [approvers]
      admin: [root]
    freezeWindows:
      - name: weekend
        cron: '0 16 * * FRI'
        duration: 64h
people:
  anna: { groups: [release-managers], email: anna@shop.example }
  bob: { groups: [approvers] }
  carol: { groups: [approvers] }
  dave: { groups: [approvers, release-managers], email: dave@shop.example }
  eve: {}
  root: {}
  ci: {}
`;

export const DESIRED = (env: string, booking: string, search: string) => `apiVersion: slipway.dev/v1
kind: DesiredState
environment: ${env}
services:
  booking:
    version: ${booking}
  search:
    version: ${search}
`;

export async function fixturePlatform(): Promise<{
  platform: LoadedPlatform;
  dir: string;
  cleanup: () => void;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-promo-'));
  writeFileSync(join(dir, 'slipway.yaml'), PLATFORM_YAML);
  mkdirSync(join(dir, 'environments'));
  writeFileSync(join(dir, 'environments', 'development.yaml'), DESIRED('development', 'v1.5.0', 'v2.1.0'));
  writeFileSync(join(dir, 'environments', 'staging.yaml'), DESIRED('staging', 'v1.4.2', 'v2.0.0'));
  writeFileSync(join(dir, 'environments', 'production.yaml'), DESIRED('production', 'v1.4.1', 'v1.9.0'));
  const platform = await loadPlatform(dir);
  return { platform, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
