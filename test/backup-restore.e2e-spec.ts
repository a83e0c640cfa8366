/**
 * Restore drill of scripts/backup.sh and scripts/restore.sh, as an on-call engineer would run it: ingest, back up
 * (pg_dump custom format + DATA_DIR snapshot), lose both (database dropped, files deleted), restore, start the
 * service again, and check that the counts match and a re-sync of a restored file inserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { Client } from 'pg';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { syncFile, upload } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { createTestDatabase, PG_ADMIN_URL, tempDir, TestDatabase } from './support/test-env';

const SCRIPTS = resolve(__dirname, '..', 'scripts');

interface Counts {
  fact_rows: number;
  catalog_files: number;
  sync_tasks: number;
  users: number;
}

async function counts(t: TestApp): Promise<Counts> {
  const [row] = await t.db.rows<Counts>(sql`select
      (select count(*)::int from fact_rows) as fact_rows,
      (select count(*)::int from catalog_files) as catalog_files,
      (select count(*)::int from sync_tasks) as sync_tasks,
      (select count(*)::int from users) as users`);
  return row;
}

function run(script: string, args: string[], env: Record<string, string>): string {
  const result = spawnSync('bash', [join(SCRIPTS, script), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  return result.stdout.trim();
}

async function recreateEmpty(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

describe('backup and restore drill (e2e, PostgreSQL, scripts/backup.sh + restore.sh)', () => {
  const dataDir = tempDir('ds-drill-data-');
  const backups = tempDir('ds-drill-backups-');
  const samples = tempDir('ds-drill-samples-');
  let database: TestDatabase;
  let t: TestApp | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
    for (const dir of [dataDir, backups, samples]) dir.remove();
  });

  // The service on this database and DATA_DIR (driver 'pglite' only stops the helper from making its own database).
  const start = () =>
    createTestApp({
      driver: 'pglite',
      withWorker: true,
      env: { DATABASE_URL: database.url!, DATA_DIR: dataDir.path },
    });

  it('restores the counts and the files, and a re-sync after the restore inserts nothing', async () => {
    // ---- ingest
    t = await start();
    await installSampleTemplates(t);
    const user = await t.login('normal');
    const fileIds: number[] = [];
    for (const [platform, domain, rows] of [
      ['shopee', 'orders', 400],
      ['amazon', 'inventory', 250],
    ] as const) {
      const { path, meta } = await writeSample(samples.path, sampleSpec({ platform, domain }, rows));
      const id = (await upload(t, user.token, path, meta).expect(201)).body.id as number;
      expect((await syncFile(t, user.token, id)).status).toBe('completed');
      fileIds.push(id);
    }
    const before = await counts(t);
    expect(before.fact_rows).toBe(650);
    const [stored] = await t.db.rows<{ path: string }>(sql`select path from catalog_files where id = ${fileIds[0]}`);
    expect(existsSync(stored.path)).toBe(true);

    // ---- back up (while the service runs), then lose everything
    const env = { DATABASE_URL: database.url!, DATA_DIR: dataDir.path };
    const backup = run('backup.sh', [backups.path], env);
    expect(existsSync(join(backup, 'db.dump'))).toBe(true);
    expect(existsSync(join(backup, 'data-dir.tar.gz'))).toBe(true);
    await t.app.close();
    t = undefined;
    await recreateEmpty(database.url!);
    rmSync(join(dataDir.path, 'files'), { recursive: true, force: true });
    expect(existsSync(stored.path)).toBe(false);

    // ---- restore and start again
    run('restore.sh', [backup], env);
    t = await start();
    expect(await counts(t)).toEqual(before);
    expect(existsSync(stored.path)).toBe(true);

    // ---- a re-sync after the restore writes nothing new
    const token = (await t.login('normal')).token;
    const again = await syncFile(t, token, fileIds[0]);
    expect(again.status).toBe('completed');
    expect(again.files[0]).toMatchObject({ rows_total: 400, inserted: 0, updated: 0, unchanged: 400 });
    expect((await counts(t)).fact_rows).toBe(650);
  });

  it('refuses a backup whose files were altered, before touching anything', () => {
    const env = { DATABASE_URL: database.url!, DATA_DIR: dataDir.path };
    const backup = run('backup.sh', [backups.path], env);
    spawnSync('bash', ['-c', `echo tampered >> "${backup}/db.dump"`]);
    const result = spawnSync('bash', [join(SCRIPTS, 'restore.sh'), backup], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('checksum mismatch');
  });
});
