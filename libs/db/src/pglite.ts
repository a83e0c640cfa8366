import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { Database, DbHandle, migrationsFolder, PING, rowsOf, Tx } from './database';
import * as schema from './schema';

/**
 * Embedded PostgreSQL for single-process mode. PGlite is one process only: a second
 * process opening the same directory silently loses its writes, so a lock file refuses it.
 */
export async function openPglite(dir: string): Promise<DbHandle> {
  mkdirSync(dir, { recursive: true });
  const lock = acquireLock(join(dir, '..', 'pg.lock'));
  const client = await PGlite.create(dir);
  const db = drizzle(client, { schema }) as unknown as Database;
  return {
    kind: 'pglite',
    db,
    rows: <T>(query: SQL) => rowsOf<T>(db, query),
    bulkTransaction: (work) =>
      client.transaction((ptx) => {
        // Drizzle over PGlite's transaction object, so COPY (which PGlite reads from a blob) joins it.
        const own = drizzle(ptx as unknown as PGlite, { schema }) as unknown as Tx;
        return work(own, async (statement, data) => {
          await ptx.query(statement.replace(/FROM STDIN$/, "FROM '/dev/blob'"), [], {
            blob: new Blob(Array.isArray(data) ? data : [data]),
          });
        });
      }),
    migrate: () => migrate(drizzle(client, { schema }), { migrationsFolder: migrationsFolder() }),
    ping: async () => {
      await db.execute(PING);
    },
    close: async () => {
      await client.close();
      lock.release();
    },
  };
}

export class DataDirLockedError extends Error {
  constructor(path: string, pid: number) {
    super(
      `The embedded database is in use by process ${pid} (${path}). ` +
        'Stop it first, or set DATABASE_URL to share a PostgreSQL server.',
    );
    this.name = 'DataDirLockedError';
  }
}

function acquireLock(path: string): { release(): void } {
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
  } catch {
    const holder = Number(readFileSync(path, 'utf8'));
    if (holder && holder !== process.pid && isAlive(holder)) throw new DataDirLockedError(path, holder);
    writeFileSync(path, String(process.pid)); // stale lock from a dead process
  }
  return { release: () => rmSync(path, { force: true }) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
