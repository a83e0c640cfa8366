import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { ENDPOINT_CLASSES, RATE_LIMIT_TIERS, rateLimitVariable } from '@app/config';
import { migratedPostgresTemplate } from './database-templates';

/** The machine's services; CI starts them (see .ci/run). Override with TEST_PG_URL / TEST_REDIS_URL. */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type Driver = 'postgres' | 'pglite';

let pgAnswers: Promise<boolean> | undefined;
export function postgresAnswers(): Promise<boolean> {
  pgAnswers ??= (async () => {
    const client = new Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return pgAnswers;
}

/** Drivers to run a suite on: PostgreSQL when one answers (always in CI), PGlite always. */
export async function drivers(): Promise<Driver[]> {
  return (await postgresAnswers()) ? ['postgres', 'pglite'] : ['pglite'];
}

export interface TestDatabase {
  url?: string;
  drop(): Promise<void>;
}

/**
 * A fresh, uniquely named PostgreSQL database for one suite: a copy of the migrated template
 * (`CREATE DATABASE … TEMPLATE`), or an empty one with `{ migrated: false }`.
 */
export async function createTestDatabase({ migrated = true } = {}): Promise<TestDatabase> {
  const name = `ds_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const template = migrated ? ` TEMPLATE ${await migratedPostgresTemplate(PG_ADMIN_URL)}` : '';
  await adminQuery(`CREATE DATABASE ${name}${template}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function tempDir(prefix = 'ds-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A Redis key prefix no other suite or run shares. */
export const uniquePrefix = (): string => `dstest-${randomUUID().slice(0, 8)}`;

/** Deletes every key under `prefix:` (SCAN + UNLINK, bounded by the key count). */
export async function deleteRedisPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  for (let round = 0; round < 1_000_000; round++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) deleted += await redis.unlink(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  return deleted;
}

/**
 * Removes a suite's keys from the shared Redis when it ends, so runs do not pile up keys there. Best effort: a
 * Redis the suite stopped, or one that does not answer within a second, is left as it is.
 */
export async function removeRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await deleteRedisPrefix(redis, prefix);
  } catch {
    // left for the next run's operator: the prefix is unique, so nothing reads these keys
  } finally {
    redis.disconnect();
  }
}

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/**
 * argon2id at its least cost (≈ 2 ms instead of ≈ 200 ms of CPU per hash): suites log in hundreds of users, and
 * no suite is about the hash's strength (libs/auth's own spec checks the production default). Production refuses it.
 */
export const CHEAP_PASSWORD_HASHING: Record<string, string> = {
  PASSWORD_HASH_MEMORY_KIB: '1024',
  PASSWORD_HASH_TIME_COST: '1',
  PASSWORD_HASH_PARALLELISM: '1',
};

/**
 * Every app-level rate limit raised out of reach, for suites not about rate limiting (they fire
 * hundreds of requests and log in many users from one address); the limiter still runs on every
 * request. Rate-limit suites override single variables through `createTestApp({ env })`.
 */
export const RAISED_RATE_LIMITS: Record<string, string> = {
  ...Object.fromEntries(
    RATE_LIMIT_TIERS.flatMap((tier) => ENDPOINT_CLASSES.map((cls) => [rateLimitVariable(tier, cls), '1000000'])),
  ),
  RATE_LIMIT_LOGIN_FAILURES_PER_IP: '1000000',
  RATE_LIMIT_LOGIN_FAILURES_PER_USER: '1000000',
  RATE_LIMIT_REFRESH_PER_FAMILY: '1000000',
};

/**
 * Holds `fact_rows` locked (ACCESS EXCLUSIVE, in an open transaction on a connection of its own) so that the
 * worker's next batch waits on it and hits its lock timeout; `client` reads through the lock, `release()` rolls
 * back, `close()` disconnects.
 */
export async function lockFactRows(
  url: string,
): Promise<{ client: Client; release(): Promise<void>; close(): Promise<void> }> {
  const blocker = new Client({ connectionString: url });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE fact_rows IN ACCESS EXCLUSIVE MODE');
  } catch (error) {
    await blocker.end();
    throw error;
  }
  return {
    client: blocker,
    release: async () => {
      await blocker.query('ROLLBACK');
    },
    close: () => blocker.end(),
  };
}
