import { Injectable } from '@nestjs/common';
import { and, asc, desc, eq, sql, SQL } from 'drizzle-orm';
import { componentVersions, DbHandle, InjectDb, uniquely } from '@app/db';
import { offsetOf, PageQuery } from '@app/common';

export type ComponentVersion = typeof componentVersions.$inferSelect;
export type NewComponentVersion = typeof componentVersions.$inferInsert;
export interface ComponentVersionFilter {
  platform?: string;
  component?: string;
  active?: boolean;
}

export class DuplicateComponentVersionError extends Error {}

@Injectable()
export class ComponentVersionsRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  async list(filter: ComponentVersionFilter, page: PageQuery): Promise<{ items: ComponentVersion[]; total: number }> {
    const conditions: SQL[] = [];
    if (filter.platform) conditions.push(eq(componentVersions.platform, filter.platform));
    if (filter.component) conditions.push(eq(componentVersions.component, filter.component));
    if (filter.active !== undefined) conditions.push(eq(componentVersions.isActive, filter.active));
    const where = conditions.length ? and(...conditions) : undefined;
    const db = this.handle.db;
    const [items, [{ total }]] = await Promise.all([
      db
        .select()
        .from(componentVersions)
        .where(where)
        .orderBy(asc(componentVersions.platform), asc(componentVersions.component), desc(componentVersions.createdAt))
        .limit(page.pageSize)
        .offset(offsetOf(page)),
      db
        .select({ total: sql<number>`count(*)::int` })
        .from(componentVersions)
        .where(where),
    ]);
    return { items, total };
  }

  async findById(id: number): Promise<ComponentVersion | undefined> {
    const [row] = await this.handle.db.select().from(componentVersions).where(eq(componentVersions.id, id));
    return row;
  }

  async insert(values: NewComponentVersion): Promise<ComponentVersion> {
    return uniquely(
      async () => (await this.handle.db.insert(componentVersions).values(values).returning())[0],
      () => new DuplicateComponentVersionError(),
    );
  }

  async insertIfAbsent(values: NewComponentVersion): Promise<void> {
    await this.handle.db.insert(componentVersions).values(values).onConflictDoNothing();
  }

  async update(id: number, values: Partial<NewComponentVersion>): Promise<ComponentVersion | undefined> {
    return uniquely(
      async () => {
        const [row] = await this.handle.db
          .update(componentVersions)
          .set({ ...values, updatedAt: sql`now()` })
          .where(eq(componentVersions.id, id))
          .returning();
        return row;
      },
      () => new DuplicateComponentVersionError(),
    );
  }

  async delete(id: number): Promise<boolean> {
    const rows = await this.handle.db
      .delete(componentVersions)
      .where(eq(componentVersions.id, id))
      .returning({ id: componentVersions.id });
    return rows.length > 0;
  }
}
