// Store semantics: identity fields, optimistic concurrency, generation, selectors, paging,
// finalizers, cascading deletion, namespaces, watch resume/expiry, CRD registration, persistence.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { installBundledCrds } from '../../src/localcluster/resources/crds.ts';
import { ApiStatusError } from '../../src/localcluster/store/errors.ts';
import { createMemoryStore, HISTORY_LIMIT } from '../../src/localcluster/store/memory-store.ts';
import { loadSnapshot, saveSnapshot } from '../../src/localcluster/store/persist.ts';
import type { KubeObject, WatchEvent } from '../../src/shared/kube-types.ts';

function setup() {
  const s = createMemoryStore();
  const t = (apiVersion: string, kind: string) => {
    const r = s.resourceTypeFor(apiVersion, kind);
    assert.ok(r, `${apiVersion} ${kind}`);
    return r;
  };
  return {
    s,
    D: t('apps/v1', 'Deployment'),
    RS: t('apps/v1', 'ReplicaSet'),
    POD: t('v1', 'Pod'),
    CM: t('v1', 'ConfigMap'),
    NS: t('v1', 'Namespace'),
    CRD: t('apiextensions.k8s.io/v1', 'CustomResourceDefinition'),
  };
}

const cm = (name: string, extra: Partial<KubeObject> = {}, ns = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data: { a: '1' },
  ...extra,
});

function rejects(fn: () => unknown, code: number, reason: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiStatusError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.reason, reason);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('memory store', () => {
  it('assigns uid, resourceVersion and creationTimestamp; RV is a global counter', () => {
    const { s, CM } = setup();
    const a = s.create(CM, cm('a'));
    const b = s.create(CM, cm('b'));
    assert.match(a.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(a.metadata.generation, undefined, 'ConfigMaps have no generation');
    assert.match(a.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(Number(b.metadata.resourceVersion), Number(a.metadata.resourceVersion) + 1);
    assert.equal(s.currentResourceVersion(), b.metadata.resourceVersion);
  });

  it('rejects duplicates, missing namespaces, stale updates and unknown objects', () => {
    const { s, CM } = setup();
    const a = s.create(CM, cm('a'));
    rejects(() => s.create(CM, cm('a')), 409, 'AlreadyExists', /configmaps "a" already exists/);
    rejects(() => s.create(CM, cm('x', {}, 'nope')), 404, 'NotFound', /namespaces "nope" not found/);
    s.update(CM, { ...a, data: { a: '2' } });
    rejects(
      () => s.update(CM, { ...a, data: { a: '3' } }),
      409,
      'Conflict',
      /the object has been modified; please apply your changes to the latest version and try again/,
    );
    rejects(() => s.update(CM, cm('zz')), 404, 'NotFound');
    rejects(() => s.delete(CM, 'default', 'zz'), 404, 'NotFound');
  });

  it('validates names and keeps workload selectors immutable (422 Invalid)', () => {
    const { s, CM, D } = setup();
    rejects(
      () => s.create(CM, cm('Bad_Name')),
      422,
      'Invalid',
      /metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
    const svc = s.resourceTypeFor('v1', 'Service');
    assert.ok(svc);
    rejects(
      () =>
        s.create(svc, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a.b', namespace: 'default' } }),
      422,
      'Invalid',
      /RFC 1123 label/,
    );
    const d = s.create(D, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default' },
      spec: { selector: { matchLabels: { a: '1' } } },
    });
    rejects(
      () => s.update(D, { ...d, spec: { selector: { matchLabels: { a: '2' } } } }),
      422,
      'Invalid',
      /spec.selector: Invalid value: .*field is immutable/,
    );
  });

  it('bumps generation on spec changes only and keeps status on main updates', () => {
    const { s, D } = setup();
    const d = s.create(D, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default' },
      spec: { replicas: 1 },
    });
    const labelled = s.update(D, { ...d, metadata: { ...d.metadata, labels: { x: 'y' } } });
    assert.equal(labelled.metadata.generation, 1);
    const st = s.update(D, { ...labelled, status: { observedGeneration: 1 } }, { subresource: 'status' });
    assert.deepEqual(st.status, { observedGeneration: 1 });
    assert.equal(st.metadata.generation, 1);
    const scaled = s.update(D, {
      ...st,
      spec: { ...(st.spec as object), replicas: 3 },
      status: { bogus: true },
    });
    assert.equal(scaled.metadata.generation, 2);
    assert.deepEqual(scaled.status, { observedGeneration: 1 }, 'status is written only through /status');
    // Deployments also count annotation changes (they are copied to ReplicaSets), except through
    // /status, which is how the controller writes its revision annotation.
    const ann = { ...scaled.metadata, annotations: { 'deployment.kubernetes.io/revision': '1' } };
    const viaStatus = s.update(D, { ...scaled, metadata: ann }, { subresource: 'status' });
    assert.equal(viaStatus.metadata.generation, 2);
    assert.deepEqual(viaStatus.metadata.annotations, { 'deployment.kubernetes.io/revision': '1' });
    const annotated = s.update(D, {
      ...viaStatus,
      metadata: { ...viaStatus.metadata, annotations: { a: 'b' } },
    });
    assert.equal(annotated.metadata.generation, 3);
  });

  it('lists with label and field selectors, limit and continue', () => {
    const { s, CM, POD } = setup();
    for (let i = 0; i < 7; i++)
      s.create(
        CM,
        cm(`c${i}`, {
          metadata: {
            name: `c${i}`,
            namespace: 'default',
            labels: { i: String(i), even: String(i % 2 === 0) },
          },
        }),
      );
    assert.deepEqual(
      s.list(CM, { labelSelector: 'even=true,i!=0' }).items.map((o) => o.metadata.name),
      ['c2', 'c4', 'c6'],
    );
    assert.deepEqual(
      s.list(CM, { labelSelector: 'i in (1, 3),even' }).items.map((o) => o.metadata.name),
      ['c1', 'c3'],
    );
    assert.equal(s.list(CM, { labelSelector: '!i' }).items.length, 0);
    assert.deepEqual(
      s.list(CM, { fieldSelector: 'metadata.name=c5' }).items.map((o) => o.metadata.name),
      ['c5'],
    );
    s.create(POD, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { nodeName: 'local' },
    });
    assert.equal(s.list(POD, { fieldSelector: 'status.phase=Pending,spec.nodeName=local' }).items.length, 1);
    assert.equal(s.list(POD, { fieldSelector: 'status.phase!=Pending' }).items.length, 0);
    const names: string[] = [];
    let cont: string | undefined;
    do {
      const page = s.list(CM, { limit: 3, ...(cont ? { continue: cont } : {}) });
      names.push(...page.items.map((o) => o.metadata.name as string));
      cont = page.continue;
    } while (cont);
    assert.deepEqual(names, ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    rejects(() => s.list(CM, { labelSelector: 'a in b' }), 400, 'BadRequest');
  });

  it('keeps objects with finalizers until the last one is removed', () => {
    const { s, CM } = setup();
    s.create(CM, cm('f', { metadata: { name: 'f', namespace: 'default', finalizers: ['x/y'] } }));
    const marked = s.delete(CM, 'default', 'f');
    assert.ok(marked.metadata.deletionTimestamp);
    const live = s.get(CM, 'default', 'f') as KubeObject;
    assert.ok(live.metadata.deletionTimestamp);
    s.update(CM, { ...live, metadata: { ...live.metadata, finalizers: [] } });
    assert.equal(s.get(CM, 'default', 'f'), undefined);
  });

  function family() {
    const env = setup();
    const { s, D, RS, POD } = env;
    const d = s.create(D, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default' },
      spec: {},
    });
    const own = (o: KubeObject) => [
      {
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name as string,
        uid: o.metadata.uid as string,
        controller: true,
      },
    ];
    const rs = s.create(RS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'd-1', namespace: 'default', ownerReferences: own(d) },
      spec: {},
    });
    s.create(POD, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'd-1-a', namespace: 'default', ownerReferences: own(rs) },
      spec: {},
    });
    return env;
  }

  it('cascades Background deletion to dependents at once', () => {
    const { s, D, RS, POD } = family();
    s.delete(D, 'default', 'd');
    assert.equal(s.list(D).items.length + s.list(RS).items.length + s.list(POD).items.length, 0);
  });

  it('Foreground deletion waits for dependents (blocked by a dependent finalizer)', () => {
    const { s, D, RS, POD } = family();
    const pod = s.get(POD, 'default', 'd-1-a') as KubeObject;
    s.update(POD, { ...pod, metadata: { ...pod.metadata, finalizers: ['hold'] } });
    s.delete(D, 'default', 'd', { propagationPolicy: 'Foreground' });
    const d = s.get(D, 'default', 'd') as KubeObject;
    assert.deepEqual(d.metadata.finalizers, ['foregroundDeletion']);
    assert.ok(s.get(RS, 'default', 'd-1')?.metadata.deletionTimestamp);
    const p = s.get(POD, 'default', 'd-1-a') as KubeObject;
    s.update(POD, { ...p, metadata: { ...p.metadata, finalizers: [] } });
    assert.equal(s.get(POD, 'default', 'd-1-a'), undefined);
    assert.equal(s.get(RS, 'default', 'd-1'), undefined);
    assert.equal(s.get(D, 'default', 'd'), undefined);
  });

  it('Orphan deletion removes the owner reference from dependents', () => {
    const { s, D, RS } = family();
    s.delete(D, 'default', 'd', { propagationPolicy: 'Orphan' });
    const rs = s.get(RS, 'default', 'd-1') as KubeObject;
    assert.equal(rs.metadata.ownerReferences, undefined);
  });

  it('deleting a namespace deletes its contents', () => {
    const { s, CM, NS } = setup();
    s.create(NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    s.create(CM, cm('a', {}, 'team'));
    s.delete(NS, undefined, 'team');
    assert.equal(s.list(CM, { namespace: 'team' }).items.length, 0);
  });

  it('dryRun writes change nothing', () => {
    const { s, CM } = setup();
    const rv = s.currentResourceVersion();
    const c = s.create(CM, cm('a'), { dryRun: true });
    assert.equal(c.metadata.name, 'a');
    assert.equal(s.get(CM, 'default', 'a'), undefined);
    assert.equal(s.currentResourceVersion(), rv);
  });

  it('watches resume from a resourceVersion, apply selectors and expire old versions', () => {
    const { s, CM } = setup();
    const start = s.currentResourceVersion();
    s.create(CM, cm('a', { metadata: { name: 'a', namespace: 'default', labels: { w: '1' } } }));
    const b = s.create(CM, cm('b'));
    s.update(CM, { ...b, metadata: { ...b.metadata, labels: { w: '1' } } });
    const seen: string[] = [];
    const stop = s.watch(CM, { resourceVersion: start, labelSelector: 'w=1' }, (e: WatchEvent) =>
      seen.push(`${e.type} ${e.object.metadata.name}`),
    );
    s.delete(CM, 'default', 'a');
    stop();
    s.delete(CM, 'default', 'b');
    // b entering the selector is an ADDED; events after unsubscribe are not delivered.
    assert.deepEqual(seen, ['ADDED a', 'ADDED b', 'DELETED a']);
    const all: string[] = [];
    s.watch(CM, {}, (e) => all.push(e.type))();
    assert.deepEqual(all, [], 'no current objects');
    for (let i = 0; i < HISTORY_LIMIT * 1.2; i++) s.create(CM, cm(`n${i}`));
    assert.throws(
      () => s.watch(CM, { resourceVersion: start }, () => {}),
      (e: unknown) => e instanceof ApiStatusError && e.code === 410 && e.reason === 'Expired',
    );
  });

  it('delivers events in resourceVersion order even when a handler writes synchronously', () => {
    const { s, CM } = setup();
    const stopA = s.watch(CM, { resourceVersion: s.currentResourceVersion() }, (e) => {
      if (e.type === 'ADDED' && e.object.metadata.name === 'first') s.create(CM, cm('second'));
    });
    const seen: number[] = [];
    s.watch(CM, { resourceVersion: s.currentResourceVersion() }, (e) =>
      seen.push(Number(e.object.metadata.resourceVersion)),
    );
    s.create(CM, cm('first'));
    stopA();
    assert.equal(seen.length, 2);
    assert.ok((seen[0] as number) < (seen[1] as number), `order ${seen}`);
  });

  it('registers kinds from CRDs and removes them with the CRD', () => {
    const { s, CRD } = setup();
    installBundledCrds(s);
    const vs = s.resourceTypeFor('networking.istio.io/v1beta1', 'VirtualService');
    assert.ok(vs);
    s.create(vs, {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'v', namespace: 'default' },
      spec: { hosts: ['x'] },
    });
    const v1 = s.resourceTypeFor('networking.istio.io/v1', 'VirtualService');
    assert.equal(
      s.get(v1 as never, 'default', 'v')?.apiVersion,
      'networking.istio.io/v1',
      'versions share storage',
    );
    assert.ok(s.resourceTypeFor('monitoring.coreos.com/v1', 'ServiceMonitor'));
    assert.ok(s.resourceTypeFor('gateway.networking.k8s.io/v1', 'HTTPRoute'));
    const crd = s.get(CRD, undefined, 'virtualservices.networking.istio.io') as KubeObject;
    assert.ok(JSON.stringify(crd.status).includes('Established'));
    s.delete(CRD, undefined, 'virtualservices.networking.istio.io');
    assert.equal(s.resourceTypeFor('networking.istio.io/v1', 'VirtualService'), undefined);
  });

  it('saves and loads snapshots atomically; old watch versions expire after a restart', async () => {
    const { s, CM } = setup();
    installBundledCrds(s);
    const sm = s.resourceTypeFor('monitoring.coreos.com/v1', 'ServiceMonitor');
    assert.ok(sm);
    s.create(sm, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'm', namespace: 'default' },
      spec: {},
    });
    const c = s.create(CM, cm('keep'));
    s.setFieldManagers(c.metadata.uid as string, { 'apply:me': ['["f:data"]'] });
    const dir = mkdtempSync(join(tmpdir(), 'slipway-store-'));
    try {
      const file = join(dir, 'state.json');
      await saveSnapshot(s, file);
      const back = loadSnapshot(file);
      assert.deepEqual(back.get(CM, 'default', 'keep'), s.get(CM, 'default', 'keep'));
      assert.equal(back.currentResourceVersion(), s.currentResourceVersion());
      assert.deepEqual(back.fieldManagers(c.metadata.uid as string), { 'apply:me': ['["f:data"]'] });
      const sm2 = back.resourceTypeFor('monitoring.coreos.com/v1', 'ServiceMonitor');
      assert.ok(sm2 && back.get(sm2, 'default', 'm'));
      const next = back.create(CM, cm('new'));
      assert.equal(Number(next.metadata.resourceVersion), Number(s.currentResourceVersion()) + 1);
      assert.throws(
        () => back.watch(CM, { resourceVersion: '1' }, () => {}),
        (e: unknown) => e instanceof ApiStatusError && e.code === 410,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
