import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { migrationsFolder } from '@app/db';
import { rowHash, rowKey, rowKeyScope } from '@app/parsing';
import { createTestDatabase, drivers, tempDir, TestDatabase } from './support/test-env';

/** Runs one migration file statement by statement, as the migrator does. */
const statements = (file: string): string[] =>
  readFileSync(join(migrationsFolder(), file), 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter(Boolean);

interface Sql {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

const OLD_ROWS: { scope: string[]; record: Record<string, string>; fields: string[] }[] = [
  { scope: ['tiktok', 'tt_1', 'orders', '', 'daily'], record: { 订单号: 'SO1', 金额: '5' }, fields: ['订单号'] },
  { scope: ['tiktok', 'tt_2', 'orders', '', 'daily'], record: { 订单号: 'SO1', 金额: '7' }, fields: ['订单号'] },
  {
    scope: ['shopee', 's9', 'products', 'sku', 'weekly'],
    record: { sku: 'A"1', name: '杯子' },
    fields: ['name', 'sku'],
  },
];

describe.each(['postgres', 'pglite'] as const)('migration 0001 (fact_rows keyed by row_key) on %s', (driver) => {
  let db: Sql;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (!(await drivers()).includes(driver)) throw new Error(`${driver} is not available`);
    if (driver === 'postgres') {
      const created: TestDatabase = await createTestDatabase({ migrated: false });
      const client = new Client({ connectionString: created.url });
      await client.connect();
      db = { query: (text, params) => client.query(text, params), close: () => client.end() };
      cleanup = () => created.drop();
    } else {
      const dir = tempDir('ds-migration-');
      const lite = await PGlite.create(join(dir.path, 'pg'));
      db = { query: (text, params) => lite.query(text, params), close: () => lite.close() };
      cleanup = () => Promise.resolve(dir.remove());
    }
    for (const statement of statements('0000_init.sql')) await db.query(statement);
  });

  afterAll(async () => {
    await db?.close();
    await cleanup?.();
  });

  it('derives every stored row key exactly as the ingest does, and makes it the primary key', async () => {
    for (const [i, row] of OLD_ROWS.entries()) {
      const [platform, shop, domain, sub, granularity] = row.scope;
      await db.query(
        `INSERT INTO fact_rows (file_id, platform, shop_id, data_domain, sub_domain, granularity, data_hash, raw)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [i + 1, platform, shop, domain, sub, granularity, rowHash(row.record, row.fields), JSON.stringify(row.record)],
      );
    }
    for (const statement of statements('0001_fact_rows_row_key.sql')) await db.query(statement);

    const { rows } = await db.query(`SELECT file_id, encode(row_key, 'hex') AS key FROM fact_rows ORDER BY file_id`);
    expect(rows.map((r) => r.key)).toEqual(
      OLD_ROWS.map((row) => rowKey(rowKeyScope(row.scope), rowHash(row.record, row.fields))),
    );
    await expect(
      db.query(
        `INSERT INTO fact_rows (row_key, file_id, platform, shop_id, data_domain, granularity, raw)
         SELECT row_key, 9, platform, shop_id, data_domain, granularity, raw FROM fact_rows LIMIT 1`,
      ),
    ).rejects.toThrow(/duplicate key value violates unique constraint "fact_rows_pkey"/);
  });
});
