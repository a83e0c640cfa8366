import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrationsFolder } from '@app/db';
import { openPglite } from '@app/db/pglite';
import { openPostgres } from '@app/db/postgres';
import { hashTree } from './tree-hash';

/**
 * Migrated databases to copy from, so a suite does not pay for initdb (PGlite: seconds) and the
 * migrations on every boot. Each template is named by a hash of the migration files, so a changed
 * migration builds a new one and a stale template is never used; concurrent Jest workers (and
 * concurrent test runs of other branches) share them safely.
 */
const migrationsHash: string = (() => {
  const hash = createHash('sha1');
  hashTree(hash, migrationsFolder(), migrationsFolder());
  return hash.digest('hex').slice(0, 12);
})();

const POSTGRES_TEMPLATE = `ds_tpl_${migrationsHash}`;
const TEMPLATE_LOCK_KEY = 0x64737470; // 'dstp': serialises template builds across processes

let postgresTemplate: Promise<string> | undefined;

/** The name of a migrated PostgreSQL template database; built once per migration set, under an advisory lock. */
export function migratedPostgresTemplate(adminUrl: string): Promise<string> {
  postgresTemplate ??= buildPostgresTemplate(adminUrl).catch((error: unknown) => {
    postgresTemplate = undefined;
    throw error;
  });
  return postgresTemplate;
}

async function buildPostgresTemplate(adminUrl: string): Promise<string> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [POSTGRES_TEMPLATE]);
    if (found.rowCount) return POSTGRES_TEMPLATE;
    // Migrate under a scratch name and rename when done, so a half-built template is never copied.
    const scratch = `ds_tplbuild_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${scratch}`);
    const url = new URL(adminUrl);
    url.pathname = `/${scratch}`;
    const db = openPostgres({ url: url.toString(), poolMax: 1, lockTimeoutMs: 0, statementTimeoutMs: 0 });
    try {
      await db.migrate();
    } finally {
      await db.close();
    }
    await admin.query(`ALTER DATABASE ${scratch} RENAME TO ${POSTGRES_TEMPLATE}`);
    await admin.query(`ALTER DATABASE ${POSTGRES_TEMPLATE} WITH IS_TEMPLATE true`);
    return POSTGRES_TEMPLATE;
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]).catch(() => undefined);
    await admin.end();
  }
}

const PGLITE_TEMPLATE = join(tmpdir(), `ds-pglite-tpl-${migrationsHash}`);
let pgliteTemplate: Promise<string> | undefined;

/** A migrated PGlite data directory; built once per migration set, published by an atomic rename. */
function migratedPgliteTemplate(): Promise<string> {
  pgliteTemplate ??= (async () => {
    if (existsSync(join(PGLITE_TEMPLATE, 'PG_VERSION'))) return PGLITE_TEMPLATE;
    const scratch = join(tmpdir(), `ds-pglite-tplbuild-${randomBytes(4).toString('hex')}`);
    const db = await openPglite(join(scratch, 'pg'));
    try {
      await db.migrate();
    } finally {
      await db.close();
    }
    try {
      renameSync(join(scratch, 'pg'), PGLITE_TEMPLATE);
    } catch (error) {
      // Another worker published the same template first: use theirs.
      if (!existsSync(join(PGLITE_TEMPLATE, 'PG_VERSION'))) throw error;
    }
    rmSync(scratch, { recursive: true, force: true });
    return PGLITE_TEMPLATE;
  })().catch((error: unknown) => {
    pgliteTemplate = undefined;
    throw error;
  });
  return pgliteTemplate;
}

/** Fills `dir` (a PGlite data directory that must not exist yet) with a copy of the migrated template. */
export async function copyMigratedPglite(dir: string): Promise<void> {
  const template = await migratedPgliteTemplate();
  mkdirSync(join(dir, '..'), { recursive: true });
  cpSync(template, dir, { recursive: true });
}
