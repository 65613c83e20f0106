// The store's indexes: objects by type key → namespace → name, a uid → location map, and the
// dependents of every owner uid (from ownerReferences) that cascading deletion walks.
import type { KubeObject } from '../../shared/kube-types.ts';

export type Locator = string; // `${key}\n${ns}\n${name}`

export const locator = (key: string, ns: string, name: string): Locator => `${key}\n${ns}\n${name}`;

export class ObjectIndex {
  readonly objects = new Map<string, Map<string, Map<string, KubeObject>>>();
  readonly byUid = new Map<string, Locator>();
  readonly dependents = new Map<string, Set<Locator>>();

  bucket(key: string, ns: string, create: boolean): Map<string, KubeObject> | undefined {
    let byNs = this.objects.get(key);
    if (!byNs) {
      if (!create) return undefined;
      byNs = new Map();
      this.objects.set(key, byNs);
    }
    let m = byNs.get(ns);
    if (!m && create) {
      m = new Map();
      byNs.set(ns, m);
    }
    return m;
  }

  lookup(l: Locator): { key: string; ns: string; obj: KubeObject } | undefined {
    const [key, ns, name] = l.split('\n') as [string, string, string];
    const obj = this.bucket(key, ns, false)?.get(name);
    return obj ? { key, ns, obj } : undefined;
  }

  indexOwners(l: Locator, obj: KubeObject, add: boolean): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (add) {
        if (!set) {
          set = new Set();
          this.dependents.set(ref.uid, set);
        }
        set.add(l);
      } else if (set) {
        set.delete(l);
        if (set.size === 0) this.dependents.delete(ref.uid);
      }
    }
  }

  put(key: string, ns: string, obj: KubeObject, prev: KubeObject | undefined): void {
    const name = obj.metadata.name as string;
    const l = locator(key, ns, name);
    if (prev) this.indexOwners(l, prev, false);
    (this.bucket(key, ns, true) as Map<string, KubeObject>).set(name, obj);
    this.byUid.set(obj.metadata.uid as string, l);
    this.indexOwners(l, obj, true);
  }

  remove(key: string, ns: string, obj: KubeObject): void {
    const name = obj.metadata.name as string;
    this.bucket(key, ns, false)?.delete(name);
    this.byUid.delete(obj.metadata.uid as string);
    this.indexOwners(locator(key, ns, name), obj, false);
  }
}
