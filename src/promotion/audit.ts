// The audit log: append-only and hash-chained. Each entry's hash is sha256(prev_hash + canonical JSON
// of the entry, including its seq), so editing a row breaks its own hash, and deleting or reordering
// rows breaks the seq sequence and the next row's prev_hash. What a chain cannot show by itself is a
// cut-off tail (the newest rows deleted) or a chain rebuilt with new hashes: for that the head is kept
// elsewhere — by the store in its audit_head table, by slipway in the cluster after each write
// (audit-anchor.ts), by hand as `--anchor` — and verifyAudit checks the chain against each.
import { createHash } from 'node:crypto';
import type { AuditAction, AuditEntry, AuditFilter, AuditRecord, StateStore } from '../store/types.ts';

export type { AuditAction, AuditFilter, AuditRecord } from '../store/types.ts';

/** JSON with object keys sorted at every level, so equal entries always hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function auditHash(prevHash: string, seq: number, entry: AuditEntry): string {
  const body = canonicalJson({
    seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    environment: entry.environment ?? null,
    service: entry.service ?? null,
    detail: entry.detail,
  });
  return createHash('sha256')
    .update(prevHash + body)
    .digest('hex');
}

export interface NewAuditEntry {
  at: Date | string;
  actor: string;
  action: AuditAction;
  environment?: string | undefined;
  service?: string | undefined;
  detail?: Record<string, unknown>;
}

export async function appendAudit(store: StateStore, entry: NewAuditEntry): Promise<AuditRecord> {
  // Round-trip the detail through JSON so the hash is computed over exactly what is stored.
  const detail = JSON.parse(JSON.stringify(entry.detail ?? {})) as Record<string, unknown>;
  const e: AuditEntry = {
    at: typeof entry.at === 'string' ? entry.at : entry.at.toISOString(),
    actor: entry.actor,
    action: entry.action,
    environment: entry.environment,
    service: entry.service,
    detail,
  };
  return store.appendAudit(e, (seq, prevHash) => auditHash(prevHash, seq, e));
}

export interface AuditQuery {
  environment?: string;
  service?: string;
  action?: AuditAction;
  since?: Date | string;
}

export function listAudit(store: StateStore, query: AuditQuery = {}): Promise<AuditRecord[]> {
  const filter: AuditFilter = {};
  if (query.environment !== undefined) filter.environment = query.environment;
  if (query.service !== undefined) filter.service = query.service;
  if (query.action !== undefined) filter.action = query.action;
  if (query.since !== undefined)
    filter.since = typeof query.since === 'string' ? query.since : query.since.toISOString();
  return store.listAudit(filter);
}

export interface AuditHead {
  seq: number;
  hash: string;
}

/** The newest entry's seq and hash: record it elsewhere to detect a truncated tail later. */
export async function auditHead(store: StateStore): Promise<AuditHead | undefined> {
  const all = await store.listAudit();
  const last = all.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : undefined;
}

/** A head recorded elsewhere, and where: the store's head table, a cluster's ConfigMap, --anchor. */
export interface AuditAnchor extends AuditHead {
  source: string;
  at?: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  problems: Array<{ seq: number; problem: string }>;
  /** The heads the chain was checked against. */
  anchors: Array<{ source: string; seq: number }>;
}

/**
 * Walks the whole chain. Finds edited rows (hash does not match the content), deleted or inserted
 * rows (seq gap, prev_hash not the previous row's hash) and, against each anchor (the store's own
 * head table included), a truncated tail or a rewritten history up to the anchor.
 */
export async function verifyAudit(
  store: StateStore,
  options: { anchor?: AuditHead; anchors?: readonly AuditAnchor[] } = {},
): Promise<AuditVerification> {
  const rows = await store.listAudit();
  const problems: AuditVerification['problems'] = [];
  let prev: AuditRecord | undefined;
  for (const row of rows) {
    const expectedSeq = prev ? prev.seq + 1 : 1;
    if (row.seq !== expectedSeq) {
      const missing = row.seq - expectedSeq;
      problems.push({
        seq: row.seq,
        problem:
          missing > 0
            ? `${missing === 1 ? `entry ${expectedSeq} is` : `entries ${expectedSeq}–${row.seq - 1} are`} missing (deleted)`
            : `seq ${row.seq} follows ${prev?.seq}: out of order`,
      });
    }
    const expectedPrev = prev ? prev.hash : '';
    if (row.prevHash !== expectedPrev) {
      problems.push({
        seq: row.seq,
        problem: prev
          ? `prev_hash does not match the hash of entry ${prev.seq}: an entry before it was deleted or rewritten`
          : 'the first entry has a prev_hash: entries before it were deleted',
      });
    }
    const recomputed = auditHash(row.prevHash, row.seq, row);
    if (recomputed !== row.hash) {
      problems.push({ seq: row.seq, problem: 'hash does not match the entry: the entry was edited' });
    }
    prev = row;
  }
  const anchors: AuditAnchor[] = [];
  const head = await store.readAuditHead();
  if (head) anchors.push({ ...head, source: "the store's audit_head table" });
  if (options.anchor) anchors.push({ ...options.anchor, source: 'the --anchor given' });
  anchors.push(...(options.anchors ?? []));
  const bySeq = new Map(rows.map((r) => [r.seq, r]));
  for (const anchor of anchors) {
    const at = bySeq.get(anchor.seq);
    if (!at) {
      problems.push({
        seq: anchor.seq,
        problem: `${anchor.source} records entry ${anchor.seq}, but ${
          !prev
            ? 'the log is empty: its entries were deleted or the store replaced'
            : prev.seq < anchor.seq
              ? `the log ends at ${prev.seq}: the newest entries were deleted`
              : 'the log has no such entry: it was deleted'
        }`,
      });
    } else if (at.hash !== anchor.hash) {
      problems.push({
        seq: anchor.seq,
        problem: `${anchor.source} records another hash for entry ${anchor.seq}: the history was rewritten (the chain rebuilt)`,
      });
    }
  }
  return {
    ok: problems.length === 0,
    entries: rows.length,
    problems,
    anchors: anchors.map((a) => ({ source: a.source, seq: a.seq })),
  };
}
