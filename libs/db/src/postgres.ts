import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { SQL } from 'drizzle-orm';
import { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DbSettings } from '@app/config';
import { CopyIn, Database, DbHandle, migrationsFolder, PING, rowsOf } from './database';
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
  // Nor a checked-out one (a transaction, a COPY): pg-pool listens only while a client is idle, and an
  // 'error' event nobody hears kills the process. The query in progress still rejects (a transient error,
  // so the batch is retried) and the pool drops the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzle(pool, { schema }) as unknown as Database;
  return {
    kind: 'postgres',
    db,
    rows: <T>(query: SQL) => rowsOf<T>(db, query),
    bulkTransaction: async (work) => {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        // A Drizzle instance over this one connection, so COPY runs inside the same transaction.
        const own = drizzle(client, { schema }) as unknown as Database;
        return await own.transaction((tx) => work(tx, copyOn(client)));
      } catch (error) {
        broken = error as Error;
        throw error;
      } finally {
        // After an error mid-COPY the connection's state is unknown: drop it rather than reuse it.
        client.release(broken);
      }
    },
    migrate: () => migrate(drizzle(pool, { schema }), { migrationsFolder: migrationsFolder() }),
    ping: async () => {
      await db.execute(PING);
    },
    close: () => pool.end(),
  };
}

function copyOn(client: PoolClient): CopyIn {
  return (statement, data) =>
    pipeline(Readable.from(Array.isArray(data) ? data : [data]), client.query(copyFrom(statement)));
}
