// The audit log: append-only and hash-chained. Each entry's hash is sha256(prev_hash + canonical JSON
// of the entry, including its seq), so editing a row breaks its own hash, and deleting or reordering
// rows breaks the seq sequence and the next row's prev_hash. What a chain cannot show by itself is a
// cut-off tail (the newest rows deleted): for that, keep the head (auditHead) somewhere else — a CI
// artifact, a ticket, a git note — and pass it to verifyAudit as `anchor`.
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

export interface AuditVerification {
  ok: boolean;
  entries: number;
  problems: Array<{ seq: number; problem: string }>;
}

/**
 * Walks the whole chain. Finds edited rows (hash does not match the content), deleted or inserted
 * rows (seq gap, prev_hash not the previous row's hash) and, given an anchor, a truncated tail or a
 * rewritten history up to the anchor.
 */
export async function verifyAudit(
  store: StateStore,
  options: { anchor?: AuditHead } = {},
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
  const anchor = options.anchor;
  if (anchor) {
    const at = rows.find((r) => r.seq === anchor.seq);
    if (!at) {
      problems.push({
        seq: anchor.seq,
        problem: `the anchored entry ${anchor.seq} is gone: the log was truncated (it ends at ${prev?.seq ?? 0})`,
      });
    } else if (at.hash !== anchor.hash) {
      problems.push({
        seq: anchor.seq,
        problem: 'the anchored entry has another hash: the history was rewritten',
      });
    }
  }
  return { ok: problems.length === 0, entries: rows.length, problems };
}
