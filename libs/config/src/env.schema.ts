import { z } from 'zod';
import { DEFAULT_READ_LIMITS } from '@app/parsing';
import { isTrustProxy } from './trust-proxy';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const duration = z.string().regex(/^\d+(ms|s|m|h|d)?$/, 'expected a duration like 900, 15m, 7d');

/** Every environment variable the service reads. Unknown variables are ignored. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(3000),
  WORKER_PORT: int(0, 65535).default(3001),
  HOST: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional(),
  DB_POOL_MAX: int(1, 200).default(10),
  DB_LOCK_TIMEOUT_MS: int(0).default(10_000),
  DB_STATEMENT_TIMEOUT_MS: int(0).default(120_000),

  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// URL')
    .optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .default('datasync'),

  JWT_SECRET: z.string().optional(),
  JWT_ACCESS_TTL: duration.default('15m'),
  JWT_REFRESH_TTL: duration.default('7d'),
  // argon2id cost; the defaults are the argon2 library's. Production refuses less than OWASP's minimum.
  PASSWORD_HASH_MEMORY_KIB: int(1024, 4 * 1024 * 1024).default(65_536),
  PASSWORD_HASH_TIME_COST: int(1, 100).default(3),
  PASSWORD_HASH_PARALLELISM: int(1, 64).default(4),

  WORKER_CONCURRENCY: int(1, 256).default(4),
  WORKER_LOCK_MS: int(5_000).default(60_000),
  WORKER_STALLED_INTERVAL_MS: int(1_000).default(30_000),
  WORKER_SHUTDOWN_GRACE_MS: int(1_000).default(25_000),
  SYNC_ATTEMPTS: int(1, 50).default(5),
  SYNC_BACKOFF_MS: int(100).default(2_000),
  INGEST_BATCH_ROWS: int(100, 100_000).default(5_000),
  // Hard bounds on what reading one file may cost (see libs/parsing/src/read-limits.ts, docs/operations.md).
  PARSE_MAX_INFLATE_RATIO: int(10).default(DEFAULT_READ_LIMITS.maxInflateRatio),
  PARSE_MAX_INFLATED_BYTES: int(1024 * 1024).default(DEFAULT_READ_LIMITS.maxInflatedBytes),
  PARSE_MAX_SHARED_STRINGS: int(1).default(DEFAULT_READ_LIMITS.maxSharedStrings),
  PARSE_MAX_SHARED_STRING_CHARS: int(1).default(DEFAULT_READ_LIMITS.maxSharedStringChars),
  PARSE_MAX_CELLS_PER_ROW: int(1).default(DEFAULT_READ_LIMITS.maxCellsPerRow),
  PARSE_MAX_COLUMNS: int(1, 16_384).default(DEFAULT_READ_LIMITS.maxColumns),
  PARSE_MAX_ROW_CHARS: int(1024).default(DEFAULT_READ_LIMITS.maxRowChars),
  PARSE_MAX_ROWS: int(1).default(DEFAULT_READ_LIMITS.maxRows),
  SWEEP_PENDING_AFTER_S: int(0).default(0),
  SWEEP_INTERVAL_MS: int(1_000).default(600_000),
  QUOTA_NORMAL: int(0).default(10),
  QUOTA_PREMIUM: int(0).default(20),
  QUOTA_ADMIN: int(0).default(50),
  RATE_LIMIT_ENABLED: bool.default('true'),
  // Requests per window by tier (role, or anonymous by IP) and endpoint class; see rate-limit.ts.
  RATE_LIMIT_WINDOW_S: int(1, 3_600).default(60),
  RATE_LIMIT_ADMIN_READ: int(1).default(4_800),
  RATE_LIMIT_ADMIN_DEFAULT: int(1).default(200),
  RATE_LIMIT_ADMIN_DATA_SYNC: int(1).default(100),
  RATE_LIMIT_ADMIN_AUTH: int(1).default(60),
  RATE_LIMIT_PREMIUM_READ: int(1).default(2_400),
  RATE_LIMIT_PREMIUM_DEFAULT: int(1).default(100),
  RATE_LIMIT_PREMIUM_DATA_SYNC: int(1).default(50),
  RATE_LIMIT_PREMIUM_AUTH: int(1).default(60),
  RATE_LIMIT_NORMAL_READ: int(1).default(1_200),
  RATE_LIMIT_NORMAL_DEFAULT: int(1).default(60),
  RATE_LIMIT_NORMAL_DATA_SYNC: int(1).default(30),
  RATE_LIMIT_NORMAL_AUTH: int(1).default(60),
  RATE_LIMIT_ANONYMOUS_READ: int(1).default(120),
  RATE_LIMIT_ANONYMOUS_DEFAULT: int(1).default(30),
  RATE_LIMIT_ANONYMOUS_DATA_SYNC: int(1).default(10),
  RATE_LIMIT_ANONYMOUS_AUTH: int(1).default(60),
  // Failed logins per (username, client IP) and per username across addresses, in their own window.
  RATE_LIMIT_LOGIN_FAILURES_PER_IP: int(1).default(5),
  RATE_LIMIT_LOGIN_FAILURES_PER_USER: int(1).default(50),
  RATE_LIMIT_LOGIN_WINDOW_S: int(1, 86_400).default(900),
  // Refreshes per token family (one login and its rotations) per RATE_LIMIT_WINDOW_S.
  RATE_LIMIT_REFRESH_PER_FAMILY: int(1).default(10),
  // Whose X-Forwarded-For to believe: a hop count, or a comma list of IPs, CIDRs and loopback/linklocal/uniquelocal.
  TRUST_PROXY: z
    .string()
    .refine(
      isTrustProxy,
      'expected a hop count (1, 2 …), none, or a comma list of IPs, CIDRs and loopback/linklocal/uniquelocal',
    )
    .default('loopback'),
  // Task events (SSE): history kept in Redis for Last-Event-ID resume, heartbeat, open streams per user.
  TASK_EVENTS_RETENTION_S: int(300, 86_400).default(600),
  // …and at most this many events (≈ 100 B each), whichever is less: a submission burst cannot fill Redis.
  TASK_EVENTS_MAX_ENTRIES: int(1_000, 10_000_000).default(100_000),
  SSE_HEARTBEAT_MS: int(100, 60_000).default(15_000),
  SSE_MAX_STREAMS_PER_USER: int(1, 1_000).default(5),
  CACHE_ENABLED: bool.default('true'),
  CACHE_TTL_ACCOUNTS: duration.default('5m'),
  CACHE_TTL_COMPONENT_VERSIONS: duration.default('5m'),
  CACHE_TTL_STATS: duration.default('1m'),
  CACHE_TTL_TEMPLATES: duration.default('5m'),
  CACHE_WARMUP: bool.default('true'),
  CACHE_LOCK_WAIT_MS: int(0, 60_000).default(1_000),
  CACHE_OP_TIMEOUT_MS: int(10, 10_000).default(250),
  // The in-process tier in front of Redis (per process; see libs/cache/src/local-tier.ts).
  CACHE_LOCAL_ENABLED: bool.default('true'),
  CACHE_LOCAL_MAX_ENTRIES: int(1, 1_000_000).default(1_000),
  CACHE_LOCAL_MAX_BYTES: int(1_024, 4 * 1024 ** 3).default(32 * 1024 ** 2),
  UPLOAD_MAX_BYTES: int(1).default(104857600),
  // Comma-separated directories POST /data-sync/scan may read (default: DATA_DIR).
  SCAN_ROOTS: z.string().min(1).optional(),
  SCAN_MAX_FILES: int(1, 10_000_000).default(10_000),
  TASK_TIMEOUT_MS: int(1000).default(1800000),
  // Queue dashboard at /admin/queues (admin only; see apps/api/src/admin-queues).
  ADMIN_QUEUES_ENABLED: bool.default('true'),
  ADMIN_QUEUES_ACTIONS: bool.default('false'),
  ADMIN_SESSION_TTL: duration.default('15m'),
});

export type Env = z.infer<typeof envSchema>;
