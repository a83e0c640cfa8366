import { Injectable } from '@nestjs/common';
import { sql, SQL } from 'drizzle-orm';
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
 * Per-connection staging table, emptied at every commit and never logged; `f` is the file a row comes from
 * (a commit may hold the rows of several files). JIT is off for the transaction: the merge's estimates (an
 * unanalyzed temp table) cross jit_above_cost, and compiling it cost more than the statement itself, on
 * every batch.
 */
const PREPARE_STAGE = sql.raw(`DO $$ BEGIN
  PERFORM set_config('jit', 'off', true);
  IF to_regclass('pg_temp.fact_rows_staged') IS NULL THEN
    CREATE TEMP TABLE fact_rows_staged (f int NOT NULL, k bytea NOT NULL, d date, r jsonb NOT NULL) ON COMMIT DELETE ROWS;
  END IF;
END $$`);

/** One file's facts in a commit: `factLine`s of that file, keys unique within them. */
export interface FactPart {
  scope: FactScope;
  lines: Buffer;
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
}

@Injectable()
export class FactRowsRepository {
  constructor(@InjectDb() private readonly handle: DbHandle) {}

  /** A transaction whose upserts COPY their rows in. */
  transaction<T>(work: (tx: Tx, copyIn: CopyIn) => Promise<T>): Promise<T> {
    return this.handle.bulkTransaction(work);
  }

  /**
   * Bulk upsert of the facts of one or more files (at most one part per file), once per transaction: every
   * row is COPYed into the staging table, then one statement inserts new keys and updates existing keys whose
   * content changed, each row with its own file's scope. Keys that occur in two parts (files of one scope
   * holding the same row) cannot go through one statement (it would touch a row twice): `disjoint` false
   * merges part after part instead, each seeing the ones before. Rows already stored as they are skip the
   * insert path altogether: the filter is a scalar subquery on purpose, one primary-key probe per staged row,
   * because the temp table has no statistics and a NOT EXISTS became a hash anti-join over all of fact_rows
   * (a full scan per batch). Resolves with the counts of each part, in order.
   */
  async upsert(tx: Tx, copyIn: CopyIn, parts: FactPart[], disjoint: boolean): Promise<UpsertCounts[]> {
    const filled = parts.filter((p) => p.lines.length);
    if (!filled.length) return parts.map(() => ({ inserted: 0, updated: 0 }));
    await tx.execute(PREPARE_STAGE);
    await copyIn(
      'COPY fact_rows_staged (f, k, d, r) FROM STDIN',
      filled.map((p) => p.lines),
    );
    const byFile = new Map<number, UpsertCounts>();
    const statements = disjoint ? [filled] : filled.map((part) => [part]);
    for (const group of statements) {
      for (const row of await rowsOf<UpsertCounts & { f: number }>(tx, mergeStatement(group))) byFile.set(row.f, row);
    }
    return parts.map((p) => byFile.get(p.scope.fileId) ?? { inserted: 0, updated: 0 });
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
 * One fact as a line of COPY text: tab-separated, its file's id, the key as bytea hex (its backslash
 * escaped), `\N` for a NULL date, the record. JSON text holds no raw tab or newline (JSON.stringify escapes
 * them), so only backslashes need doubling.
 */
export function copyLine(fileId: number, key: string, date: string | null, json: string): string {
  const escaped = json.includes('\\') ? json.replace(/\\/g, '\\\\') : json;
  return `${fileId}\t\\\\x${key}\t${date ?? '\\N'}\t${escaped}\n`;
}

/**
 * The merge of the staged rows of `parts`: one part takes its scope as constants (the plan of a single
 * file's batch); several join their scopes by file. Counts come back per file.
 */
function mergeStatement(parts: FactPart[]): SQL {
  const columns = (s: FactScope) =>
    sql`${s.fileId}::int, ${s.platform}::text, ${s.shopId}::text, ${s.dataDomain}::text, ${s.subDomain}::text, ${s.granularity}::text`;
  const source =
    parts.length === 1
      ? sql`(SELECT s.f, s.k, s.d, s.r, ${columns(parts[0].scope)} FROM fact_rows_staged s WHERE s.f = ${parts[0].scope.fileId}::int)`
      : sql`(SELECT s.f, s.k, s.d, s.r, g.file_id, g.platform, g.shop_id, g.data_domain, g.sub_domain, g.granularity
               FROM fact_rows_staged s
               JOIN (VALUES ${sql.join(
                 parts.map((p) => sql`(${columns(p.scope)})`),
                 sql`, `,
               )}) AS g (file_id, platform, shop_id, data_domain, sub_domain, granularity) ON g.file_id = s.f)`;
  return sql`WITH w AS (
      INSERT INTO fact_rows (row_key, file_id, platform, shop_id, data_domain, sub_domain, granularity, metric_date, raw)
      SELECT s.k, s.file_id, s.platform, s.shop_id, s.data_domain, s.sub_domain, s.granularity, s.d, s.r
        FROM ${source} AS s (f, k, d, r, file_id, platform, shop_id, data_domain, sub_domain, granularity)
       WHERE s.r IS DISTINCT FROM (SELECT f.raw FROM fact_rows f WHERE f.row_key = s.k)
      ON CONFLICT (row_key) DO UPDATE
        SET raw = excluded.raw, file_id = excluded.file_id, metric_date = excluded.metric_date, updated_at = now()
        WHERE fact_rows.raw IS DISTINCT FROM excluded.raw
      RETURNING file_id AS f, (xmax = 0) AS ins
    )
    SELECT f, count(*) FILTER (WHERE ins)::int AS inserted, count(*) FILTER (WHERE NOT ins)::int AS updated
      FROM w GROUP BY f`;
}
