import { Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { DbHandle, InjectDb, quarantinedRows, rowsOf, Tx } from '@app/db';

export interface FactScope {
  fileId: number;
  platform: string;
  shopId: string;
  dataDomain: string;
  subDomain: string;
  granularity: string;
}

/** One row to upsert: metric date, key hash, original record (as JSON text, built once). */
export interface FactRow {
  d: string | null;
  h: string;
  r: Record<string, string>;
}

export interface QuarantineRow {
  n: number;
  reason: string;
  r: unknown;
}

@Injectable()
export class FactRowsRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.handle.db.transaction(work);
  }

  /**
   * Bulk upsert of one batch (keys unique within the batch) in a single statement: new keys
   * are inserted, existing keys updated only when their content changed. The whole batch is
   * one JSON parameter, unpacked server-side by jsonb_to_recordset.
   */
  async upsert(tx: Tx, scope: FactScope, rows: FactRow[]): Promise<{ inserted: number; updated: number }> {
    if (!rows.length) return { inserted: 0, updated: 0 };
    const [result] = await rowsOf<{ inserted: number; updated: number }>(
      tx,
      sql`WITH w AS (
            INSERT INTO fact_rows (file_id, platform, shop_id, data_domain, sub_domain, granularity, metric_date, data_hash, raw)
            SELECT ${scope.fileId}::int, ${scope.platform}, ${scope.shopId}, ${scope.dataDomain}, ${scope.subDomain}, ${scope.granularity}, t.d, t.h, t.r
              FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS t(d date, h text, r jsonb)
            ON CONFLICT (platform, shop_id, data_domain, sub_domain, granularity, data_hash) DO UPDATE
              SET raw = excluded.raw, file_id = excluded.file_id, metric_date = excluded.metric_date, updated_at = now()
              WHERE fact_rows.raw IS DISTINCT FROM excluded.raw
            RETURNING (xmax = 0) AS ins
          )
          SELECT count(*) FILTER (WHERE ins)::int AS inserted, count(*) FILTER (WHERE NOT ins)::int AS updated FROM w`,
    );
    return result;
  }

  async quarantine(tx: Tx, fileId: number, taskId: string, rows: QuarantineRow[]): Promise<void> {
    if (!rows.length) return;
    await tx.execute(
      sql`INSERT INTO quarantined_rows (file_id, task_id, row_number, reason, raw)
          SELECT ${fileId}::int, ${taskId}::uuid, t.n, t.reason, t.r
            FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS t(n int, reason text, r jsonb)`,
    );
  }

  /** A fresh ingest of a file replaces the quarantine of earlier runs. */
  async clearQuarantine(fileId: number): Promise<void> {
    await this.handle.db.delete(quarantinedRows).where(eq(quarantinedRows.fileId, fileId));
  }
}
