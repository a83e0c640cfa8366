import { Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { DbHandle, InjectDb, Role, users } from '@app/db';

export type User = typeof users.$inferSelect;

@Injectable()
export class UsersRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  async findByUsername(username: string): Promise<User | undefined> {
    const [row] = await this.handle.db.select().from(users).where(eq(users.username, username)).limit(1);
    return row;
  }

  async findById(id: number): Promise<User | undefined> {
    const [row] = await this.handle.db.select().from(users).where(eq(users.id, id)).limit(1);
    return row;
  }

  /** Inserts the user, or returns undefined when the username is taken. */
  async create(input: { username: string; passwordHash: string; role: Role }): Promise<User | undefined> {
    const [row] = await this.handle.db.insert(users).values(input).onConflictDoNothing().returning();
    return row;
  }

  async setPassword(username: string, passwordHash: string): Promise<boolean> {
    const rows = await this.handle.db
      .update(users)
      .set({ passwordHash, updatedAt: sql`now()` })
      .where(eq(users.username, username))
      .returning({ id: users.id });
    return rows.length > 0;
  }

  async count(): Promise<number> {
    const [row] = await this.handle.db.select({ n: sql<number>`count(*)::int` }).from(users);
    return row.n;
  }
}
