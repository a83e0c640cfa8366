import { Injectable } from '@nestjs/common';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { DbHandle, InjectDb, refreshTokens } from '@app/db';

@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  async insert(token: { id: string; userId: number; familyId: string; expiresAt: Date }): Promise<void> {
    await this.handle.db.insert(refreshTokens).values(token);
  }

  /** Marks the token used; true only for the one caller that consumed a live, unused token. */
  async consume(id: string): Promise<boolean> {
    const rows = await this.handle.db
      .update(refreshTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(refreshTokens.id, id),
          isNull(refreshTokens.usedAt),
          isNull(refreshTokens.revokedAt),
          gt(refreshTokens.expiresAt, sql`now()`),
        ),
      )
      .returning({ id: refreshTokens.id });
    return rows.length === 1;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.handle.db
      .update(refreshTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
  }
}
