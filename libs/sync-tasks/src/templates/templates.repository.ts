import { Injectable } from '@nestjs/common';
import { and, asc, eq, sql } from 'drizzle-orm';
import { DataDomain, DbHandle, Granularity, InjectDb, uniquely, templates } from '@app/db';

export type Template = typeof templates.$inferSelect;
export type NewTemplate = typeof templates.$inferInsert;
export interface TemplateKey {
  platform: string;
  dataDomain: DataDomain;
  subDomain: string;
  granularity: Granularity;
}

export class DuplicateTemplateError extends Error {}

@Injectable()
export class TemplatesRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  list(platform?: string): Promise<Template[]> {
    return this.handle.db
      .select()
      .from(templates)
      .where(platform ? eq(templates.platform, platform) : undefined)
      .orderBy(
        asc(templates.platform),
        asc(templates.dataDomain),
        asc(templates.subDomain),
        asc(templates.granularity),
      );
  }

  async findById(id: number): Promise<Template | undefined> {
    const [row] = await this.handle.db.select().from(templates).where(eq(templates.id, id));
    return row;
  }

  /** The published template for a file's kind, if one exists. */
  async findPublished(key: TemplateKey): Promise<Template | undefined> {
    const [row] = await this.handle.db
      .select()
      .from(templates)
      .where(
        and(
          eq(templates.platform, key.platform),
          eq(templates.dataDomain, key.dataDomain),
          eq(templates.subDomain, key.subDomain),
          eq(templates.granularity, key.granularity),
          eq(templates.published, true),
        ),
      );
    return row;
  }

  async insert(values: NewTemplate): Promise<Template> {
    return uniquely(
      async () => (await this.handle.db.insert(templates).values(values).returning())[0],
      () => new DuplicateTemplateError(),
    );
  }

  async insertIfAbsent(values: NewTemplate): Promise<void> {
    await this.handle.db.insert(templates).values(values).onConflictDoNothing();
  }

  async update(id: number, values: Partial<NewTemplate>): Promise<Template | undefined> {
    return uniquely(
      async () => {
        const [row] = await this.handle.db
          .update(templates)
          .set({ ...values, updatedAt: sql`now()` })
          .where(eq(templates.id, id))
          .returning();
        return row;
      },
      () => new DuplicateTemplateError(),
    );
  }

  async delete(id: number): Promise<boolean> {
    const rows = await this.handle.db.delete(templates).where(eq(templates.id, id)).returning({ id: templates.id });
    return rows.length > 0;
  }
}
