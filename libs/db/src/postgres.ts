import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { SQL } from 'drizzle-orm';
import { Pool } from 'pg';
import { Database, DbHandle, migrationsFolder, PING, rowsOf } from './database';
import * as schema from './schema';

export function openPostgres(url: string, poolMax: number): DbHandle {
  const pool = new Pool({
    connectionString: url,
    max: poolMax,
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
