import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import Redis from 'ioredis';
import { sampleSpec, writeSample } from './samples';
import { upload, waitForTask } from './tasks';
import { TestApp } from './test-app';

/** Helpers shared by the chaos suite (test/chaos): many small distinct files, exact counts. */

const UPLOADS_AT_ONCE = 8;

export interface ChaosFile {
  id: number;
  shopId: string;
  rows: number;
}

/**
 * Uploads `count` distinct small inventory CSVs (shop `${shopPrefix}${i}`, `firstRows + i` rows: rows are
 * seeded by the sample's name, so the row count is what makes each file's bytes distinct).
 */
export async function uploadFiles(
  t: TestApp,
  token: string,
  dir: string,
  count: number,
  shopPrefix: string,
  firstRows = 10,
): Promise<ChaosFile[]> {
  const one = async (i: number): Promise<ChaosFile> => {
    const rows = firstRows + i;
    const spec = { ...sampleSpec({ platform: 'amazon', domain: 'inventory' }, rows), shopId: `${shopPrefix}${i}` };
    const own = join(dir, `${shopPrefix}${i}`); // the sample's file name does not carry the shop
    mkdirSync(own, { recursive: true });
    const { path, meta } = await writeSample(own, spec);
    const res = await upload(t, token, path, { ...meta, shop_id: spec.shopId }).expect(201);
    return { id: res.body.id as number, shopId: spec.shopId, rows };
  };
  const files: ChaosFile[] = [];
  for (let i = 0; i < count; i += UPLOADS_AT_ONCE) {
    const batch = Array.from({ length: Math.min(UPLOADS_AT_ONCE, count - i) }, (_, k) => one(i + k));
    files.push(...(await Promise.all(batch)));
  }
  return files;
}

/** fact_rows written for shops starting with `shopPrefix`. */
export async function factRowsOf(t: TestApp, shopPrefix: string): Promise<number> {
  const [{ n }] = await t.db.rows<{ n: number }>(
    sql`select count(*)::int as n from fact_rows where shop_id like ${`${shopPrefix}%`}`,
  );
  return n;
}

/** Waits for every task to finish and returns their statuses, in order. */
export async function finishAll(t: TestApp, token: string, taskIds: string[], timeoutMs = 120_000): Promise<string[]> {
  const tasks = await Promise.all(taskIds.map((id) => waitForTask(t, token, id, ['completed', 'failed'], timeoutMs)));
  return tasks.map((x) => x.status);
}

/** Every file of these tasks ingested once: the rows each file holds, inserted once, never updated or re-inserted. */
export async function expectIngestedOnce(t: TestApp, files: ChaosFile[]): Promise<void> {
  const rows = await t.db.rows<{ id: number; status: string; rows_ingested: number }>(
    sql`select id, status, rows_ingested from catalog_files where id = any(${sql.param(files.map((f) => f.id))}::int[])`,
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const f of files) expect(byId.get(f.id)).toMatchObject({ status: 'ingested' });
  const totals = await t.db.rows<{ shop_id: string; n: number }>(
    sql`select shop_id, count(*)::int as n from fact_rows
         where shop_id = any(${sql.param(files.map((f) => f.shopId))}::text[]) group by shop_id`,
  );
  const byShop = new Map(totals.map((r) => [r.shop_id, r.n]));
  expect(files.map((f) => byShop.get(f.shopId) ?? 0)).toEqual(files.map((f) => f.rows));
}

/** Every user's in-flight count is zero, in PostgreSQL (the API) and in Redis (the quota sets). */
export async function expectQuotasFree(t: TestApp, tokens: string[]): Promise<void> {
  for (const token of tokens) {
    const res = await t.http().get('/api/data-sync/user-task-count').set('authorization', `Bearer ${token}`);
    expect(res.body).toMatchObject({ queued: 0, active: 0, in_flight: 0 });
  }
  const redis = new Redis(t.config.redis.url as string, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${t.config.redis.prefix}:quota:*`);
    const sizes = await Promise.all(keys.map((k) => redis.zcard(k)));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(0);
  } finally {
    redis.disconnect();
  }
}
