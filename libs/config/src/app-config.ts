import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CacheSettings, cacheSettings } from './cache';
import { durationToSeconds } from './duration';
import { Env, envSchema } from './env.schema';
import { RateLimitSettings, rateLimitSettings } from './rate-limit';
import type { ReadLimits } from '@app/parsing';
import { parseTrustProxy, TrustProxy } from './trust-proxy';

export type Mode = 'single' | 'api' | 'worker' | 'cli';

export interface AppSettings {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  mode: Mode;
  port: number;
  workerPort: number;
  host: string;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  /** Peers whose X-Forwarded-For gives the client address (Fastify `trustProxy`). */
  trustProxy: TrustProxy;
}
export interface DbSettings {
  /** Undefined means embedded PGlite under `pgliteDir`. */
  url?: string;
  pgliteDir: string;
  poolMax: number;
  /** Bounds on waiting for a lock and on one statement (0 = none); a timeout is a transient error. */
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}
export interface RedisSettings {
  /** Undefined means "find or start a local one" (single-process mode only). */
  url?: string;
  prefix: string;
}
export interface AuthSettings {
  jwtSecret: string;
  /** True when the secret was generated for a development data dir. */
  generatedSecret: boolean;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** argon2id cost of new hashes; a stored hash is verified with the cost it was made with. */
  passwordHash: { memoryKib: number; timeCost: number; parallelism: number };
}
export interface LimitSettings {
  quota: { normal: number; premium: number; admin: number };
  rateLimit: RateLimitSettings;
  uploadMaxBytes: number;
  taskTimeoutMs: number;
  /** Scans read only inside these absolute directories, and walk at most `maxFiles` entries per call. */
  scan: { roots: string[]; maxFiles: number };
}
export interface WorkerSettings {
  concurrency: number;
  /** BullMQ job lock; must stay above the longest batch. A killed worker's job is redelivered after it. */
  lockMs: number;
  stalledIntervalMs: number;
  /** How long SIGTERM waits for running tasks to reach a batch boundary and hand back before leaving anyway. */
  shutdownGraceMs: number;
  /** Attempts per task for transient failures, with exponential backoff from `backoffMs`. */
  attempts: number;
  backoffMs: number;
  batchRows: number;
  /** Bounds on reading one file (PARSE_*), handed to the parsing lib as they are. */
  readLimits: ReadLimits;
  /** Files pending longer than this are auto-enqueued by a scheduled sweep; 0 = off. */
  sweepPendingAfterS: number;
  sweepIntervalMs: number;
}

export interface EventSettings {
  /** How long task events stay in Redis for `Last-Event-ID` resume. */
  retentionSeconds: number;
  /** The stream's length cap (approximate trim), whatever the retention. */
  maxEntries: number;
  heartbeatMs: number;
  maxStreamsPerUser: number;
}

export interface AdminSettings {
  /** Serve the queue dashboard at /admin/queues. */
  queuesEnabled: boolean;
  /** Let the dashboard retry, clean, promote and remove jobs; read-only when false. */
  queueActions: boolean;
  /** Lifetime of the dashboard's session cookie. */
  sessionTtlSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Typed, validated configuration split by concern. Built once at start-up by
 * `loadConfig`; the only place in the code base that reads `process.env`.
 */
export class AppConfig {
  constructor(
    readonly app: AppSettings,
    readonly db: DbSettings,
    readonly redis: RedisSettings,
    readonly auth: AuthSettings,
    readonly limits: LimitSettings,
    readonly worker: WorkerSettings,
    readonly cache: CacheSettings,
    readonly events: EventSettings,
    readonly admin: AdminSettings,
  ) {}
}

const MIN_SECRET_BYTES = 32;
/** OWASP's least argon2id cost (19 MiB, 2 passes); only tests and development may go below it. */
const MIN_PRODUCTION_HASH = { memoryKib: 19_456, timeCost: 2 };

export function loadConfig(mode: Mode, source: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(raw);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  problems.push(...crossFieldProblems(mode, raw));
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const env = parsed.data;
  const isProduction = env.NODE_ENV === 'production';
  const dataDir = resolve(env.DATA_DIR);

  const secret = env.JWT_SECRET ?? devSecret(dataDir);
  return new AppConfig(
    {
      env: env.NODE_ENV,
      isProduction,
      mode,
      port: env.PORT,
      workerPort: env.WORKER_PORT,
      host: env.HOST ?? (mode === 'single' ? '127.0.0.1' : '0.0.0.0'),
      dataDir,
      logLevel: env.LOG_LEVEL,
      trustProxy: parseTrustProxy(env.TRUST_PROXY) ?? false,
    },
    {
      url: env.DATABASE_URL,
      pgliteDir: join(dataDir, 'pg'),
      poolMax: env.DB_POOL_MAX,
      lockTimeoutMs: env.DB_LOCK_TIMEOUT_MS,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    },
    { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    {
      jwtSecret: secret,
      generatedSecret: env.JWT_SECRET === undefined,
      accessTtlSeconds: durationToSeconds(env.JWT_ACCESS_TTL),
      refreshTtlSeconds: durationToSeconds(env.JWT_REFRESH_TTL),
      passwordHash: {
        memoryKib: env.PASSWORD_HASH_MEMORY_KIB,
        timeCost: env.PASSWORD_HASH_TIME_COST,
        parallelism: env.PASSWORD_HASH_PARALLELISM,
      },
    },
    {
      quota: { normal: env.QUOTA_NORMAL, premium: env.QUOTA_PREMIUM, admin: env.QUOTA_ADMIN },
      rateLimit: rateLimitSettings(env),
      uploadMaxBytes: env.UPLOAD_MAX_BYTES,
      taskTimeoutMs: env.TASK_TIMEOUT_MS,
      scan: { roots: scanRoots(env.SCAN_ROOTS, dataDir), maxFiles: env.SCAN_MAX_FILES },
    },
    {
      concurrency: env.WORKER_CONCURRENCY,
      lockMs: env.WORKER_LOCK_MS,
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
      shutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS,
      attempts: env.SYNC_ATTEMPTS,
      backoffMs: env.SYNC_BACKOFF_MS,
      batchRows: env.INGEST_BATCH_ROWS,
      readLimits: {
        maxInflateRatio: env.PARSE_MAX_INFLATE_RATIO,
        maxInflatedBytes: env.PARSE_MAX_INFLATED_BYTES,
        maxSharedStrings: env.PARSE_MAX_SHARED_STRINGS,
        maxSharedStringChars: env.PARSE_MAX_SHARED_STRING_CHARS,
        maxCellsPerRow: env.PARSE_MAX_CELLS_PER_ROW,
        maxColumns: env.PARSE_MAX_COLUMNS,
        maxRowChars: env.PARSE_MAX_ROW_CHARS,
        maxRows: env.PARSE_MAX_ROWS,
      },
      sweepPendingAfterS: env.SWEEP_PENDING_AFTER_S,
      sweepIntervalMs: env.SWEEP_INTERVAL_MS,
    },
    cacheSettings(env),
    {
      retentionSeconds: env.TASK_EVENTS_RETENTION_S,
      maxEntries: env.TASK_EVENTS_MAX_ENTRIES,
      heartbeatMs: env.SSE_HEARTBEAT_MS,
      maxStreamsPerUser: env.SSE_MAX_STREAMS_PER_USER,
    },
    {
      queuesEnabled: env.ADMIN_QUEUES_ENABLED,
      queueActions: env.ADMIN_QUEUES_ACTIONS,
      sessionTtlSeconds: durationToSeconds(env.ADMIN_SESSION_TTL),
    },
  );
}

/** Rules that span variables; checked on the raw values so every problem is reported at once. */
function crossFieldProblems(mode: Mode, raw: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const split = mode === 'api' || mode === 'worker';
  const isProduction = raw.NODE_ENV === 'production';
  if (split && !raw.DATABASE_URL) {
    problems.push('DATABASE_URL: required by the split api/worker deployment (embedded PGlite is single-process only)');
  }
  if (isProduction && split && !raw.REDIS_URL) problems.push('REDIS_URL: required in production');
  if (raw.JWT_SECRET !== undefined && Buffer.byteLength(raw.JWT_SECRET) < MIN_SECRET_BYTES) {
    problems.push(`JWT_SECRET: must be at least ${MIN_SECRET_BYTES} bytes`);
  } else if (isProduction && raw.JWT_SECRET === undefined) {
    problems.push(`JWT_SECRET: required in production (at least ${MIN_SECRET_BYTES} random bytes)`);
  }
  if (isProduction && Number(raw.PASSWORD_HASH_MEMORY_KIB ?? Infinity) < MIN_PRODUCTION_HASH.memoryKib) {
    problems.push(`PASSWORD_HASH_MEMORY_KIB: at least ${MIN_PRODUCTION_HASH.memoryKib} in production`);
  }
  if (isProduction && Number(raw.PASSWORD_HASH_TIME_COST ?? Infinity) < MIN_PRODUCTION_HASH.timeCost) {
    problems.push(`PASSWORD_HASH_TIME_COST: at least ${MIN_PRODUCTION_HASH.timeCost} in production`);
  }
  return problems;
}

function scanRoots(value: string | undefined, dataDir: string): string[] {
  const roots = (value ?? '')
    .split(',')
    .map((root) => root.trim())
    .filter(Boolean);
  return roots.length ? roots.map((root) => resolve(root)) : [dataDir];
}

/** A random secret kept in the data dir, so dev tokens survive a restart. */
function devSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
