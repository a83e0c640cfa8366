/**
 * Where the PostgreSQL side of the ingest spends its time. Prepares the CSV's rows once with the real code
 * (openRowSource + RowPreparer, batches of INGEST_BATCH_ROWS as {d,h,r}), then replays the batches with
 * statement variants, each on freshly truncated tables after a CHECKPOINT, one variant at a time:
 *
 *   parse      SELECT count(*) FROM jsonb_to_recordset($1::jsonb) …      (the JSON parameter alone)
 *   upsert     the FactRowsRepository.upsert statement, all inserts        (what the pipeline runs)
 *   upsert2    the same batches again: no change
 *   insert     plain INSERT … SELECT FROM jsonb_to_recordset, no ON CONFLICT / RETURNING
 *   unlogged   plain INSERT into an UNLOGGED copy of fact_rows with the same indexes (no WAL)
 *   noindex    plain INSERT into a logged copy without any index (no PK, no unique key, no file_id index)
 *   unnest     the upsert with unnest($1::date[], $2::text[], $3::jsonb[]) instead of one JSON document
 *   copymerge  psql `\copy` of all rows (d, h, r) into an UNLOGGED staging table, then ONE
 *              INSERT … SELECT FROM staging ON CONFLICT … (the set-based alternative; backend CPU = the merge only)
 *
 * For each: wall time at the client, CPU of the backend (user/system) and its minor page faults (/proc), temp
 * file bytes, WAL bytes. Then EXPLAIN (ANALYZE, BUFFERS,
 * WAL) of one upsert batch into the full table. The statement text is copied from
 * libs/sync-tasks/src/ingest/fact-rows.repository.ts (keep in step).
 *
 * env: BENCH_PROBE_ROWS (1000000), INGEST_BATCH_ROWS (5000), BENCH_PROBE_VARIANTS (comma list, default all).
 * Run: npm run -s bench:ingest:pg-probe
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Client } from 'pg';
import { openPostgres } from '@app/db';
import type { Template } from '@app/sync-tasks';
import { openRowSource } from '@app/sync-tasks/ingest/parsing';
import { RowPreparer } from '@app/sync-tasks/ingest/row-preparer';
import { csvField, SAMPLE_FILES, writeSampleFile } from '../../src/seed/sample-files';
import { SAMPLE_TEMPLATES } from '../../src/seed/sample-templates';
import { createBenchDatabase, log, runChecked, tempDir } from '../lib/bench-env';
import { envInt, kilo, mb, round, table } from '../lib/stats';

const ROWS = envInt(process.env, 'BENCH_PROBE_ROWS', 1_000_000);
const BATCH = envInt(process.env, 'INGEST_BATCH_ROWS', 5_000);
const ALL = ['parse', 'upsert', 'upsert2', 'insert', 'unlogged', 'noindex', 'unnest', 'copymerge'] as const;
type Variant = (typeof ALL)[number];
const VARIANTS = (process.env.BENCH_PROBE_VARIANTS?.split(',') ?? [...ALL]) as Variant[];

interface FactRow {
  d: string | null;
  h: string;
  r: Record<string, string>;
}

const SCOPE = ['tiktok', 'tt_5001', 'orders', '', 'daily'];

const UPSERT = `WITH w AS (
  INSERT INTO fact_rows (file_id, platform, shop_id, data_domain, sub_domain, granularity, metric_date, data_hash, raw)
  SELECT $1::int, $2, $3, $4, $5, $6, t.d, t.h, t.r
    FROM jsonb_to_recordset($7::jsonb) AS t(d date, h text, r jsonb)
  ON CONFLICT (platform, shop_id, data_domain, sub_domain, granularity, data_hash) DO UPDATE
    SET raw = excluded.raw, file_id = excluded.file_id, metric_date = excluded.metric_date, updated_at = now()
    WHERE fact_rows.raw IS DISTINCT FROM excluded.raw
  RETURNING (xmax = 0) AS ins
)
SELECT count(*) FILTER (WHERE ins)::int AS inserted, count(*) FILTER (WHERE NOT ins)::int AS updated FROM w`;

const UPSERT_UNNEST = UPSERT.replace(
  'jsonb_to_recordset($7::jsonb) AS t(d date, h text, r jsonb)',
  'unnest($7::date[], $8::text[], $9::jsonb[]) AS t(d, h, r)',
);

const plainInsert = (table: string): string =>
  `INSERT INTO ${table} (file_id, platform, shop_id, data_domain, sub_domain, granularity, metric_date, data_hash, raw)
   SELECT $1::int, $2, $3, $4, $5, $6, t.d, t.h, t.r FROM jsonb_to_recordset($7::jsonb) AS t(d date, h text, r jsonb)`;

async function main(): Promise<void> {
  const dir = tempDir('ds-bench-probe-');
  const db = await createBenchDatabase();
  const pg = new Client({ connectionString: db.url });
  try {
    const handle = openPostgres({ url: db.url, poolMax: 2, lockTimeoutMs: 0, statementTimeoutMs: 0 });
    await handle.migrate();
    await handle.close();
    await pg.connect();
    const batches = await prepareBatches(dir.path);
    const stagingCsv = join(dir.path, 'staging.csv');
    if (VARIANTS.includes('copymerge')) await writeStagingCsv(stagingCsv, batches);
    const jsonBatches = batches.map((b) => JSON.stringify(b));
    log(
      `${batches.length} batches of ≤ ${BATCH} rows, ${mb(jsonBatches.reduce((n, j) => n + Buffer.byteLength(j), 0))} MB of JSON`,
    );
    await pg.query(`CREATE UNLOGGED TABLE fact_rows_unlogged (LIKE fact_rows INCLUDING ALL)`);
    await pg.query(`CREATE TABLE fact_rows_noindex (LIKE fact_rows INCLUDING DEFAULTS)`);
    const pid = (await pg.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

    const results: (string | number)[][] = [];
    let explain: string[] = [];
    let sizes = '';
    for (const variant of VARIANTS) {
      if (variant !== 'upsert2') await pg.query('TRUNCATE fact_rows, fact_rows_unlogged, fact_rows_noindex');
      await pg.query('CHECKPOINT');
      const lsn0 = (await pg.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
      const temp0 = await tempBytes(pg);
      const stat0 = procStat(pid);
      const started = process.hrtime.bigint();
      let inserted = 0;
      if (variant === 'copymerge') inserted = await copyMerge(pg, db.name, stagingCsv);
      else {
        for (let i = 0; i < batches.length; i++) {
          const params = [1, ...SCOPE];
          const r = await run(pg, variant, params, jsonBatches[i], batches[i]);
          inserted += r;
        }
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const stat1 = procStat(pid);
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // statistics reach pg_stat_database within 1 s
      const temp = (await tempBytes(pg)) - temp0;
      const user = stat1.user - stat0.user;
      const system = stat1.system - stat0.system;
      const faults = stat1.minorFaults - stat0.minorFaults;
      const cpu = user + system;
      const wal = (
        await pg.query<{ b: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint::text AS b', [
          lsn0,
        ])
      ).rows[0].b;
      const rows = batches.reduce((n, b) => n + b.length, 0);
      results.push([
        variant,
        kilo(rows / seconds),
        round(seconds, 1),
        round(cpu, 1),
        `${round(user, 1)} / ${round(system, 1)}`,
        round((cpu / rows) * 1e6, 1),
        round(faults / batches.length),
        mb(temp),
        mb(Number(wal)),
        round(Number(wal) / rows),
        inserted,
      ]);
      if (variant === 'upsert') ({ explain, sizes } = await explainFull(pg, batches[0]));
      log(
        `${variant}: ${kilo(rows / seconds)} rows/s, ${round(seconds, 1)} s, backend CPU ${round(user, 1)} user + ${round(system, 1)} sys s, ${round(faults / batches.length)} minor faults/batch, temp files ${mb(temp)} MB, WAL ${mb(Number(wal))} MB`,
      );
    }

    const settings = await pg.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size', 'synchronous_commit', 'wal_compression', 'full_page_writes', 'checkpoint_timeout')`,
    );
    process.stdout.write(
      [
        `# PostgreSQL probe: ${batches.reduce((n, b) => n + b.length, 0)} rows in batches of ${BATCH}`,
        '',
        table(
          [
            'variant',
            'rows/s',
            'seconds',
            'backend CPU s',
            'user / sys s',
            'backend CPU µs/row',
            'minor faults/batch',
            'temp file MB',
            'WAL MB',
            'WAL B/row',
            'rows written',
          ],
          results,
        ),
        '',
        'WAL is measured cluster-wide (pg_current_wal_lsn): other databases writing at the same time add to it.',
        `relation sizes after the all-insert upsert: ${sizes}`,
        `settings: ${settings.rows.map((s) => `${s.name}=${s.setting}${s.unit ? ` × ${s.unit}` : ''}`).join(', ')}`,
        '',
        'EXPLAIN (ANALYZE, BUFFERS, WAL) of one all-insert upsert batch into the full table:',
        ...explain.map((line) => `    ${line}`),
      ].join('\n') + '\n',
    );
  } finally {
    await pg.end().catch(() => undefined);
    await db.drop();
    dir.remove();
    log('cleaned up');
  }
}

/** EXPLAIN (ANALYZE, BUFFERS, WAL) of one more all-insert batch into the now full table (rolled back). */
async function explainFull(pg: Client, batch: FactRow[]): Promise<{ explain: string[]; sizes: string }> {
  await pg.query('BEGIN');
  const plan = await pg.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, WAL, TIMING) ${UPSERT}`, [
    1,
    ...SCOPE,
    JSON.stringify(batch.map((r) => ({ ...r, h: `x${r.h.slice(1)}` }))),
  ]);
  await pg.query('ROLLBACK');
  const size = await pg.query<{ rel: string; size: string }>(
    `SELECT c.relname AS rel, pg_size_pretty(pg_total_relation_size(c.oid)) AS size FROM pg_class c
      WHERE c.relname IN ('fact_rows', 'fact_rows_key_uq', 'fact_rows_file_idx', 'fact_rows_pkey')`,
  );
  return {
    explain: plan.rows.map((r) => r['QUERY PLAN']),
    sizes: size.rows.map((r) => `${r.rel} ${r.size}`).join(', '),
  };
}

async function run(pg: Client, variant: Variant, scope: unknown[], json: string, rows: FactRow[]): Promise<number> {
  switch (variant) {
    case 'copymerge':
      throw new Error('copymerge runs once for all rows (copyMerge), not per batch');
    case 'parse':
      return Number(
        (
          await pg.query<{ n: string }>(
            'SELECT count(*) AS n FROM jsonb_to_recordset($1::jsonb) AS t(d date, h text, r jsonb)',
            [json],
          )
        ).rows[0].n,
      );
    case 'upsert':
    case 'upsert2':
      return (await pg.query<{ inserted: number }>(UPSERT, [...scope, json])).rows[0].inserted;
    case 'insert':
      return (await pg.query(plainInsert('fact_rows'), [...scope, json])).rowCount ?? 0;
    case 'unlogged':
      return (await pg.query(plainInsert('fact_rows_unlogged'), [...scope, json])).rowCount ?? 0;
    case 'noindex':
      return (await pg.query(plainInsert('fact_rows_noindex'), [...scope, json])).rowCount ?? 0;
    case 'unnest':
      return (
        await pg.query<{ inserted: number }>(UPSERT_UNNEST, [
          ...scope,
          rows.map((r) => r.d),
          rows.map((r) => r.h),
          rows.map((r) => JSON.stringify(r.r)),
        ])
      ).rows[0].inserted;
  }
}

/** The prepared rows as CSV (d, h, r as JSON text) for COPY; an empty date is NULL. */
async function writeStagingCsv(path: string, batches: FactRow[][]): Promise<void> {
  const out = createWriteStream(path);
  for (const batch of batches) {
    const text = batch.map((r) => `${r.d ?? ''},${r.h},${csvField(JSON.stringify(r.r))}\n`).join('');
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

async function copyMerge(pg: Client, dbName: string, csv: string): Promise<number> {
  await pg.query('CREATE UNLOGGED TABLE IF NOT EXISTS staging (d date, h text, r jsonb)');
  await pg.query('TRUNCATE staging');
  const copyStarted = process.hrtime.bigint();
  await runChecked(
    'psql',
    [
      '-h',
      '127.0.0.1',
      '-U',
      'postgres',
      '-d',
      dbName,
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `\\copy staging FROM '${csv}' WITH (FORMAT csv)`,
    ],
    { timeoutMs: 10 * 60_000 },
  );
  const copySeconds = Number(process.hrtime.bigint() - copyStarted) / 1e9;
  const mergeStarted = process.hrtime.bigint();
  const { rows } = await pg.query<{ inserted: number }>(
    UPSERT.replace('jsonb_to_recordset($7::jsonb) AS t(d date, h text, r jsonb)', 'staging AS t'),
    [1, ...SCOPE],
  );
  const mergeSeconds = Number(process.hrtime.bigint() - mergeStarted) / 1e9;
  log(`copymerge: \\copy into staging ${round(copySeconds, 1)} s, merge ${round(mergeSeconds, 1)} s`);
  return rows[0].inserted;
}

/** The CSV's rows as the pipeline batches them (a key seen twice in a batch keeps its last version). */
async function prepareBatches(dir: string): Promise<FactRow[][]> {
  const base = SAMPLE_FILES.find((s) => s.template.platform === 'tiktok' && s.template.dataDomain === 'orders');
  if (!base) throw new Error('no tiktok orders sample');
  const path = await writeSampleFile(join(dir, 'csv'), { ...base, encoding: 'utf8', rows: ROWS });
  const sample = SAMPLE_TEMPLATES.find((t) => t.platform === 'tiktok' && t.dataDomain === 'orders');
  const template = { ...sample, published: true } as unknown as Template;
  const source = await openRowSource(path, 'csv', { headerRow: 1 });
  const preparer = new RowPreparer(source.headers, template, false);
  const batches: FactRow[][] = [];
  let batch = new Map<string, FactRow>();
  let n = 0;
  for await (const row of source.rows) {
    const p = preparer.prepare(row.values);
    if (p.ok) batch.set(p.hash, { d: p.date, h: p.hash, r: p.record });
    if (++n >= BATCH) {
      batches.push([...batch.values()]);
      batch = new Map();
      n = 0;
    }
  }
  if (batch.size) batches.push([...batch.values()]);
  log(`prepared ${basename(path)}`);
  return batches;
}

/** Bytes this database has written to temporary files (e.g. a set-returning function's tuplestore over work_mem). */
async function tempBytes(pg: Client): Promise<number> {
  const { rows } = await pg.query<{ b: string }>(
    'SELECT temp_bytes::text AS b FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0].b);
}

/** user and system CPU seconds and minor page faults of a process (Linux /proc). */
function procStat(pid: number): { user: number; system: number; minorFaults: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100, minorFaults: Number(fields[7]) };
  } catch {
    return { user: NaN, system: NaN, minorFaults: NaN };
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
