// A KubeClient whose writes first pass a check: reads, watches and dry runs go straight through;
// every other mutating call awaits `write` (delete and prune await `destructive`, default `write`)
// and is not sent when it rejects. The release lock's fencing and the server leader's fencing are
// both this, with different checks.
import type { KubeClient } from './client.ts';

export interface WriteChecks {
  write(): Promise<void>;
  destructive?(): Promise<void>;
}

export function guardWrites(client: KubeClient, checks: WriteChecks): KubeClient {
  const write = () => checks.write();
  const destructive = () => (checks.destructive ?? checks.write)();
  return {
    get target() {
      return client.target;
    },
    get server() {
      return client.server;
    },
    get: (...a) => client.get(...a),
    list: (...a) => client.list(...a),
    listWithVersion: (...a) => client.listWithVersion(...a),
    watch: (...a) => client.watch(...a),
    hasKind: (...a) => client.hasKind(...a),
    async apply(obj, o) {
      if (!o?.dryRun) await write();
      return await client.apply(obj, o);
    },
    async create(obj, o) {
      if (!o?.dryRun) await write();
      return await client.create(obj, o);
    },
    async replace(obj) {
      await write();
      return await client.replace(obj);
    },
    async patch(...a) {
      await write();
      return await client.patch(...a);
    },
    async ensureNamespace(name) {
      await write();
      await client.ensureNamespace(name);
    },
    async delete(...a) {
      await destructive();
      return await client.delete(...a);
    },
    async prune(o) {
      await destructive();
      return await client.prune(o);
    },
  };
}
