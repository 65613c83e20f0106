// Where `slipway serve`'s notifier keeps its place in the audit log (one cursor per webhook) and what
// it tried (the delivery log): the table, its migration and its queries. A cursor only moves forward,
// so two replicas delivering at once can repeat an event (at-least-once) but never skip one.
import type { Generated, Kysely, Migration, Selectable } from 'kysely';
import type { NotificationDelivery } from './types.ts';

export interface NotificationTables {
  notification_cursors: { target: string; seq: number };
  notification_deliveries: {
    id: Generated<number>;
    target: string;
    notification_id: string;
    event: string;
    seq: number;
    status: string;
    attempt: number;
    error: string | null;
    at: string;
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a migration describes how the schema got here (kysely's advice)
type AnyDb = Kysely<any>;

export function notificationsMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('notification_cursors')
        .addColumn('target', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('notification_deliveries')
        .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('notification_id', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('notification_deliveries_target')
        .on('notification_deliveries')
        .columns(['target', 'id'])
        .execute();
    },
  };
}

type Db = Kysely<NotificationTables>;

export async function notificationCursor(db: Db, target: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('notification_cursors')
    .select('seq')
    .where('target', '=', target)
    .executeTakeFirst();
  return row ? Number(row.seq) : undefined;
}

export async function advanceNotificationCursor(db: Db, target: string, seq: number): Promise<void> {
  await db
    .insertInto('notification_cursors')
    .values({ target, seq })
    .onConflict((oc) => oc.column('target').doUpdateSet({ seq }).where('notification_cursors.seq', '<', seq))
    .execute();
}

function toDelivery(r: Selectable<NotificationTables['notification_deliveries']>): NotificationDelivery {
  return {
    target: r.target,
    notificationId: r.notification_id,
    event: r.event,
    seq: Number(r.seq),
    status: r.status as NotificationDelivery['status'],
    attempt: Number(r.attempt),
    at: r.at,
    ...(r.error === null ? {} : { error: r.error }),
  };
}

export async function recordDelivery(db: Db, d: NotificationDelivery): Promise<void> {
  await db
    .insertInto('notification_deliveries')
    .values({
      target: d.target,
      notification_id: d.notificationId,
      event: d.event,
      seq: d.seq,
      status: d.status,
      attempt: d.attempt,
      error: d.error ?? null,
      at: d.at,
    })
    .execute();
}

/** Newest first. */
export async function listDeliveries(
  db: Db,
  filter: { target?: string; limit?: number } = {},
): Promise<NotificationDelivery[]> {
  let q = db.selectFrom('notification_deliveries').selectAll();
  if (filter.target !== undefined) q = q.where('target', '=', filter.target);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 200)
    .execute();
  return rows.map(toDelivery);
}
