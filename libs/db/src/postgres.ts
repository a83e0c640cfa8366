import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { SQL } from 'drizzle-orm';
import { Pool } from 'pg';
import { DbSettings } from '@app/config';
import { Database, DbHandle, migrationsFolder, PING, rowsOf } from './database';
import * as schema from './schema';

export function openPostgres(
  settings: Pick<DbSettings, 'poolMax' | 'lockTimeoutMs' | 'statementTimeoutMs'> & { url: string },
): DbHandle {
  const pool = new Pool({
    connectionString: settings.url,
    max: settings.poolMax,
    lock_timeout: settings.lockTimeoutMs || undefined,
    statement_timeout: settings.statementTimeoutMs || undefined,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'data-sync',
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema }) as unknown as Database;
  return {
    kind: 'postgres',
    db,
    rows: <T>(query: SQL) => rowsOf<T>(db, query),
    migrate: () => migrate(drizzle(pool, { schema }), { migrationsFolder: migrationsFolder() }),
    ping: async () => {
      await db.execute(PING);
    },
    close: () => pool.end(),
  };
}
