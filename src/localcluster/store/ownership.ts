// Field ownership per object uid, kept beside the objects (not in them): the managers' field
// paths and when / through which apiVersion each last wrote. Persisted with the snapshot.
import type { FieldManagers, ManagerStamps } from './managed-fields.ts';

const clone = <T>(v: T): T => structuredClone(v);

export class OwnershipTable {
  private readonly managers = new Map<string, FieldManagers>();
  private readonly stamps = new Map<string, ManagerStamps>();

  managersOf(uid: string): FieldManagers | undefined {
    const m = this.managers.get(uid);
    return m ? clone(m) : undefined;
  }

  stampsOf(uid: string): ManagerStamps | undefined {
    const m = this.stamps.get(uid);
    return m ? clone(m) : undefined;
  }

  set(uid: string, m: FieldManagers, st: ManagerStamps | undefined): void {
    this.managers.set(uid, clone(m));
    if (st) this.stamps.set(uid, clone(st));
  }

  forget(uid: string): void {
    this.managers.delete(uid);
    this.stamps.delete(uid);
  }

  save(): { managers: Record<string, FieldManagers>; stamps: Record<string, ManagerStamps> } {
    return {
      managers: Object.fromEntries([...this.managers].map(([k, v]) => [k, clone(v)])),
      stamps: Object.fromEntries([...this.stamps].map(([k, v]) => [k, clone(v)])),
    };
  }

  load(managers: Record<string, FieldManagers>, stamps: Record<string, ManagerStamps> = {}): void {
    for (const [uid, m] of Object.entries(managers)) this.managers.set(uid, m);
    for (const [uid, m] of Object.entries(stamps)) this.stamps.set(uid, m);
  }
}
