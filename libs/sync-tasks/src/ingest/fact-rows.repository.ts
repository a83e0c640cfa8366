import { Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { CopyIn, DbHandle, InjectDb, rowsOf, Tx } from '@app/db';

export interface FactScope {
  fileId: number;
  platform: string;
  shopId: string;
  dataDomain: string;
  subDomain: string;
  granularity: string;
}

export interface QuarantineRow {
  n: number;
  reason: string;
  r: unknown;
}

/**
 * Per-connection staging table, emptied at every commit and never logged. JIT is off for the
 * transaction: the merge's estimates (an unanalyzed temp table) cross jit_above_cost, and compiling
 * it cost more than the statement itself, on every batch.
 */
const PREPARE_STAGE = sql.raw(`DO $$ BEGIN
  PERFORM set_config('jit', 'off', true);
  IF to_regclass('pg_temp.fact_rows_stage') IS NULL THEN
    CREATE TEMP TABLE fact_rows_stage (k bytea NOT NULL, d date, r jsonb NOT NULL) ON COMMIT DELETE ROWS;
  END IF;
END $$`);

const CLEAR_STAGE = sql.raw('DELETE FROM fact_rows_stage');

@Injectable()
export class FactRowsRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  /** A transaction whose upserts COPY their rows in. */
  transaction<T>(work: (tx: Tx, copyIn: CopyIn) => Promise<T>): Promise<T> {
    return this.handle.bulkTransaction(work);
  }

  /**
   * Bulk upsert of one batch (`copyLine`s, keys unique within the batch): the rows are COPYed into the
   * staging table, then one statement inserts new keys and updates existing keys whose content changed. Rows already stored as they are skip the insert path altogether: the
   * filter is a scalar subquery on purpose, one primary-key probe per staged row, because the temp table
   * has no statistics and a NOT EXISTS became a hash anti-join over all of fact_rows (a full scan per batch).
   * `restage`: an earlier upsert of this transaction (another file's rows) used the staging table; it is
   * emptied first.
   */
  async upsert(
    tx: Tx,
    copyIn: CopyIn,
    scope: FactScope,
    lines: Buffer,
    restage = false,
  ): Promise<{ inserted: number; updated: number }> {
    if (!lines.length) return { inserted: 0, updated: 0 };
    await tx.execute(restage ? CLEAR_STAGE : PREPARE_STAGE);
    await copyIn('COPY fact_rows_stage (k, d, r) FROM STDIN', lines);
    const [result] = await rowsOf<{ inserted: number; updated: number }>(
      tx,
      sql`WITH w AS (
            INSERT INTO fact_rows (row_key, file_id, platform, shop_id, data_domain, sub_domain, granularity, metric_date, raw)
            SELECT s.k, ${scope.fileId}::int, ${scope.platform}, ${scope.shopId}, ${scope.dataDomain}, ${scope.subDomain}, ${scope.granularity}, s.d, s.r
              FROM fact_rows_stage s
             WHERE s.r IS DISTINCT FROM (SELECT f.raw FROM fact_rows f WHERE f.row_key = s.k)
            ON CONFLICT (row_key) DO UPDATE
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
}

/**
 * One fact as a line of COPY text: tab-separated, `\N` for a NULL date, the key as bytea hex (its
 * backslash escaped). JSON text holds no raw tab or newline (JSON.stringify escapes them), so only
 * backslashes need doubling.
 */
export function copyLine(key: string, date: string | null, json: string): string {
  const escaped = json.includes('\\') ? json.replace(/\\/g, '\\\\') : json;
  return `\\\\x${key}\t${date ?? '\\N'}\t${escaped}\n`;
}
