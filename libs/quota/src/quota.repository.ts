import { Injectable } from '@nestjs/common';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { DbHandle, InjectDb, syncTasks, Tx } from '@app/db';

export interface InFlightCounts {
  queued: number;
  active: number;
}

/** The truth about tasks in flight: sync_tasks rows in queued or active. */
@Injectable()
export class QuotaRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  async counts(userId: number, tx?: Tx): Promise<InFlightCounts> {
    const db = tx ?? this.handle.db;
    const [row] = await db
      .select({
        queued: sql<number>`count(*) filter (where ${syncTasks.status} = 'queued')::int`,
        active: sql<number>`count(*) filter (where ${syncTasks.status} = 'active')::int`,
      })
      .from(syncTasks)
      .where(and(eq(syncTasks.userId, userId), inArray(syncTasks.status, ['queued', 'active'])));
    return row;
  }

  /** Serialises one user's submissions within a transaction (the PostgreSQL fallback when Redis is down). */
  async lockUser(tx: Tx, userId: number): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(${4242}::int, ${userId}::int)`);
  }

  async inFlightIds(userIds: number[]): Promise<{ userId: number; id: string }[]> {
    const where = inArray(syncTasks.status, ['queued', 'active']);
    return this.handle.db
      .select({ userId: syncTasks.userId, id: syncTasks.id })
      .from(syncTasks)
      .where(userIds.length ? and(where, inArray(syncTasks.userId, userIds)) : where);
  }

  async usersWithInFlight(): Promise<number[]> {
    const rows = await this.handle.db
      .selectDistinct({ userId: syncTasks.userId })
      .from(syncTasks)
      .where(inArray(syncTasks.status, ['queued', 'active']));
    return rows.map((r) => r.userId);
  }
}
