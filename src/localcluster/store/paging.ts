// List order and paging: objects sorted by `namespace/name`, `limit` pages, and continue tokens
// that carry the last key served (they never expire and give no consistent snapshot).
import type { KubeObject } from '../../shared/kube-types.ts';
import { badRequest } from './errors.ts';

export function paginate(
  all: KubeObject[],
  options: { limit?: number; continue?: string },
  rv: number,
): { page: KubeObject[]; continue?: string } {
  // Sort once by precomputed keys; continue tokens carry the last key.
  let keyed = all.map((o) => ({ k: `${o.metadata.namespace ?? ''}/${o.metadata.name}`, o }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  if (options.continue) {
    let after: string;
    try {
      after = String(JSON.parse(Buffer.from(options.continue, 'base64url').toString()).start);
    } catch {
      throw badRequest('continue key is not valid');
    }
    let lo = 0;
    let hi = keyed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((keyed[mid] as { k: string }).k <= after) lo = mid + 1;
      else hi = mid;
    }
    keyed = keyed.slice(lo);
  }
  if (options.limit && options.limit > 0 && keyed.length > options.limit) {
    const page = keyed.slice(0, options.limit);
    const last = page[page.length - 1] as { k: string };
    const token = Buffer.from(JSON.stringify({ rv, start: last.k })).toString('base64url');
    return { page: page.map((e) => e.o), continue: token };
  }
  return { page: keyed.map((e) => e.o) };
}
