import { z } from 'zod';

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

  WORKER_CONCURRENCY: int(1, 256).default(4),
  WORKER_LOCK_MS: int(5_000).default(60_000),
  WORKER_STALLED_INTERVAL_MS: int(1_000).default(30_000),
  WORKER_SHUTDOWN_GRACE_MS: int(1_000).default(25_000),
  SYNC_ATTEMPTS: int(1, 50).default(5),
  SYNC_BACKOFF_MS: int(100).default(2_000),
  INGEST_BATCH_ROWS: int(100, 100_000).default(5_000),
  SWEEP_PENDING_AFTER_S: int(0).default(0),
  SWEEP_INTERVAL_MS: int(1_000).default(600_000),
  QUOTA_NORMAL: int(0).default(10),
  QUOTA_PREMIUM: int(0).default(20),
  QUOTA_ADMIN: int(0).default(50),
  RATE_LIMIT_ENABLED: bool.default('true'),
  // Requests per minute by tier (role, or anonymous by IP) and endpoint class; see rate-limit.ts.
  RATE_LIMIT_ADMIN_DEFAULT: int(1).default(200),
  RATE_LIMIT_ADMIN_DATA_SYNC: int(1).default(100),
  RATE_LIMIT_ADMIN_AUTH: int(1).default(20),
  RATE_LIMIT_PREMIUM_DEFAULT: int(1).default(100),
  RATE_LIMIT_PREMIUM_DATA_SYNC: int(1).default(50),
  RATE_LIMIT_PREMIUM_AUTH: int(1).default(10),
  RATE_LIMIT_NORMAL_DEFAULT: int(1).default(60),
  RATE_LIMIT_NORMAL_DATA_SYNC: int(1).default(30),
  RATE_LIMIT_NORMAL_AUTH: int(1).default(5),
  RATE_LIMIT_ANONYMOUS_DEFAULT: int(1).default(30),
  RATE_LIMIT_ANONYMOUS_DATA_SYNC: int(1).default(10),
  RATE_LIMIT_ANONYMOUS_AUTH: int(1).default(3),
  UPLOAD_MAX_BYTES: int(1).default(104857600),
  TASK_TIMEOUT_MS: int(1000).default(1800000),
  // Queue dashboard at /admin/queues (admin only; see apps/api/src/admin-queues).
  ADMIN_QUEUES_ENABLED: bool.default('true'),
  ADMIN_QUEUES_ACTIONS: bool.default('false'),
  ADMIN_SESSION_TTL: duration.default('15m'),
});

export type Env = z.infer<typeof envSchema>;
