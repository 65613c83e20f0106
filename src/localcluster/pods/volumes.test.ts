import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KubeObject } from '../../shared/kube-types.ts';
import type { ObjectStore, ResourceType } from '../store/types.ts';
import { containerMounts, projectVolumes, rewriteMountPaths } from './volumes.ts';

test('ConfigMap volumes are projected, refreshed on change, and env paths under a mount reach them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-volumes-'));
  try {
    const objects = new Map<string, KubeObject>();
    const store = { get: (_t: ResourceType, ns: string, name: string) => objects.get(`${ns}/${name}`) };
    const src = {
      store: store as unknown as ObjectStore,
      configMaps: {} as ResourceType,
      secrets: {} as ResourceType,
    };
    const cm = (text: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'flags', namespace: 'ns' },
      data: { 'flags.json': text, gone: 'x' },
    });
    objects.set('ns/flags', cm('{"a":1}'));
    const container = { name: 'c', volumeMounts: [{ name: 'f', mountPath: '/etc/flags' }] };
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'ns' },
      spec: {
        containers: [container],
        volumes: [{ name: 'f', configMap: { name: 'flags', optional: true } }],
      },
    };
    const dirs = projectVolumes(src, dir, pod);
    const env = rewriteMountPaths(
      { FLAGD_OFFLINE_FLAG_SOURCE_PATH: '/etc/flags/flags.json', OTHER: '/etc/flagsx' },
      containerMounts(container, dirs),
    );
    assert.equal(env.OTHER, '/etc/flagsx');
    assert.equal(readFileSync(env.FLAGD_OFFLINE_FLAG_SOURCE_PATH!, 'utf8'), '{"a":1}');
    objects.set('ns/flags', { ...cm('{"a":2}'), data: { 'flags.json': '{"a":2}' } });
    projectVolumes(src, dir, pod);
    assert.equal(readFileSync(env.FLAGD_OFFLINE_FLAG_SOURCE_PATH!, 'utf8'), '{"a":2}');
    assert.throws(() => readFileSync(join(dirs.get('f')!, 'gone')), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
