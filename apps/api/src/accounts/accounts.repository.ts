import { Injectable } from '@nestjs/common';
import { and, asc, eq, ilike, or, sql, SQL } from 'drizzle-orm';
import { accounts, catalogFiles, DbHandle, InjectDb, uniquely } from '@app/db';
import { offsetOf, PageQuery } from '@app/common';

export type Account = typeof accounts.$inferSelect;
export type NewAccount = typeof accounts.$inferInsert;
export interface AccountFilter {
  platform?: string;
  enabled?: boolean;
  q?: string;
}

export class DuplicateAccountError extends Error {}

@Injectable()
export class AccountsRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  async list(filter: AccountFilter, page: PageQuery): Promise<{ items: Account[]; total: number }> {
    const where = this.where(filter);
    const db = this.handle.db;
    const [items, [{ total }]] = await Promise.all([
      db
        .select()
        .from(accounts)
        .where(where)
        .orderBy(asc(accounts.platform), asc(accounts.shopId))
        .limit(page.pageSize)
        .offset(offsetOf(page)),
      db
        .select({ total: sql<number>`count(*)::int` })
        .from(accounts)
        .where(where),
    ]);
    return { items, total };
  }

  async findById(id: number): Promise<Account | undefined> {
    const [row] = await this.handle.db.select().from(accounts).where(eq(accounts.id, id));
    return row;
  }

  /** Throws DuplicateAccountError when platform + shop id exists. */
  async insert(values: NewAccount): Promise<Account> {
    return uniquely(
      async () => (await this.handle.db.insert(accounts).values(values).returning())[0],
      () => new DuplicateAccountError(),
    );
  }

  /** Inserts when absent; used by seeding. */
  async insertIfAbsent(values: NewAccount): Promise<void> {
    await this.handle.db.insert(accounts).values(values).onConflictDoNothing();
  }

  async update(id: number, values: Partial<NewAccount>): Promise<Account | undefined> {
    return uniquely(
      async () => {
        const [row] = await this.handle.db
          .update(accounts)
          .set({ ...values, updatedAt: sql`now()` })
          .where(eq(accounts.id, id))
          .returning();
        return row;
      },
      () => new DuplicateAccountError(),
    );
  }

  async delete(id: number): Promise<boolean> {
    const rows = await this.handle.db.delete(accounts).where(eq(accounts.id, id)).returning({ id: accounts.id });
    return rows.length > 0;
  }

  async countsByPlatformRegion(): Promise<{ platform: string; region: string | null; enabled: boolean; n: number }[]> {
    return this.handle.db
      .select({
        platform: accounts.platform,
        region: accounts.region,
        enabled: accounts.enabled,
        n: sql<number>`count(*)::int`,
      })
      .from(accounts)
      .groupBy(accounts.platform, accounts.region, accounts.enabled);
  }

  async ingestCountsByPlatform(): Promise<{ platform: string; status: string; files: number; rows: number }[]> {
    return this.handle.db
      .select({
        platform: catalogFiles.platform,
        status: catalogFiles.status,
        files: sql<number>`count(*)::int`,
        rows: sql<number>`coalesce(sum(${catalogFiles.rowsIngested}), 0)::int`,
      })
      .from(catalogFiles)
      .groupBy(catalogFiles.platform, catalogFiles.status);
  }

  private where(filter: AccountFilter): SQL | undefined {
    const conditions: (SQL | undefined)[] = [];
    if (filter.platform) conditions.push(eq(accounts.platform, filter.platform));
    if (filter.enabled !== undefined) conditions.push(eq(accounts.enabled, filter.enabled));
    if (filter.q) {
      const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      conditions.push(
        or(ilike(accounts.name, pattern), ilike(accounts.shopId, pattern), ilike(accounts.loginName, pattern)),
      );
    }
    return conditions.length ? and(...conditions) : undefined;
  }
}
