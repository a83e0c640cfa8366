import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql, SQL } from 'drizzle-orm';
import { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';

export type Schema = typeof schema;
/** The Drizzle database, the same API over node-postgres and PGlite. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** A Drizzle transaction handle (or the database itself, which offers the same query API). */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * Feeds text-format rows to a `COPY <table> (<columns>) FROM STDIN` statement inside the transaction, as
 * one or more chunks in order (each ends with a whole line): no copy of them is made to join them.
 */
export type CopyIn = (statement: string, data: Buffer | Buffer[]) => Promise<void>;

export interface DbHandle {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Database;
  /** Rows of a raw SQL statement, whichever driver runs it. */
  rows<T>(query: SQL): Promise<T[]>;
  /** A transaction for bulk writes, which may also COPY rows in on the transaction's own connection. */
  bulkTransaction<T>(work: (tx: Tx, copyIn: CopyIn) => Promise<T>): Promise<T>;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function rowsOf<T>(db: Database | Tx, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (result as { rows: T[] }).rows;
}

export const PING = sql`select 1`;

/** The versioned migration folder, from sources (libs/db/src) or a build (dist/libs/db/src). */
export function migrationsFolder(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'libs', 'db', 'migrations');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    const sibling = join(dir, '..', 'migrations');
    if (existsSync(join(sibling, 'meta', '_journal.json'))) return sibling;
    dir = dirname(dir);
  }
  throw new Error(`migrations folder not found above ${__dirname}`);
}
