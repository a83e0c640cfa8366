import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { AuthService } from '@app/auth';
import { AppConfig, loadConfig } from '@app/config';
import { DbHandle, openDatabase, Role } from '@app/db';
import { createHttpApp } from '@app/observability';
import { ApiModule } from '../../apps/api/src/api.module';
import { SingleProcessModule } from '../../src/single-process.module';
import { configureApi } from '../../apps/api/src/configure-api';
import { copyMigratedPglite } from './database-templates';
import {
  createTestDatabase,
  CHEAP_PASSWORD_HASHING,
  Driver,
  RAISED_RATE_LIMITS,
  removeRedisKeys,
  TEST_JWT_SECRET,
  TEST_REDIS_URL,
  tempDir,
  TestDatabase,
  uniquePrefix,
} from './test-env';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: DbHandle;
  http: () => ReturnType<typeof request>;
  /** Creates a user and returns a bearer token for it. */
  login(role: Role, username?: string): Promise<{ token: string; refresh: string; userId: number; username: string }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  driver: Driver;
  redisUrl?: string;
  env?: Record<string, string>;
  /** Run the sync worker in the same process (as `npm start` does). */
  withWorker?: boolean;
  /** Keep the default rate limits (overridable through `env`) instead of raising them out of reach. */
  defaultRateLimits?: boolean;
}

let userSeq = 0;

/** The real API (Fastify, guards, filter, validation) on a fresh database and a private Redis prefix. */
export async function createTestApp(options: TestAppOptions): Promise<TestApp> {
  const dir = tempDir();
  const database: TestDatabase | undefined = options.driver === 'postgres' ? await createTestDatabase() : undefined;
  const config = loadConfig('single', {
    NODE_ENV: 'test',
    DATA_DIR: dir.path,
    DATABASE_URL: database?.url,
    REDIS_URL: options.redisUrl ?? TEST_REDIS_URL,
    REDIS_PREFIX: uniquePrefix(),
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    SYNC_BACKOFF_MS: '200',
    ...CHEAP_PASSWORD_HASHING,
    ...(options.defaultRateLimits ? {} : RAISED_RATE_LIMITS),
    ...options.env,
  });
  if (!database) await copyMigratedPglite(config.db.pgliteDir);
  const db = await openDatabase(config.db);
  await db.migrate(); // a no-op on the migrated copy; kept so the app boots exactly as in production
  const root = options.withWorker ? SingleProcessModule.forRoot(config, db) : ApiModule.forRoot(config, db);
  const app = await createHttpApp(root, { shutdownHooks: false, trustProxy: config.app.trustProxy });
  await configureApi(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();

  const http = () => request(app.getHttpServer());
  return {
    app,
    config,
    db,
    http,
    async login(role, username = `${role}-${process.pid}-${++userSeq}`) {
      const password = 'correct-horse-battery';
      const user = await app.get(AuthService).createUser(username, password, role);
      const res = await http().post('/api/auth/login').send({ username, password }).expect(200);
      return {
        token: res.body.access_token as string,
        refresh: res.body.refresh_token as string,
        userId: user.id,
        username,
      };
    },
    async close() {
      await app.close();
      if (config.redis.url) await removeRedisKeys(config.redis.url, config.redis.prefix);
      await database?.drop();
      dir.remove();
    },
  };
}
