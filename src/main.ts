import 'reflect-metadata';
import { join } from 'node:path';
import { UsersRepository } from '@app/auth';
import { loadConfig } from '@app/config';
import { openDatabase } from '@app/db';
import { createHttpApp, listen } from '@app/observability';
import { configureApi } from '../apps/api/src/configure-api';
import { findOrStartRedis } from './bootstrap/local-redis';
import { withCliContext } from './cli/with-cli-context';
import { DEMO_USERS } from './seed/demo-data';
import { SeedService } from './seed/seed.service';
import { SingleProcessModule } from './single-process.module';

/**
 * `npm start`: API and worker in one process on embedded defaults — PGlite when
 * DATABASE_URL is unset, and a local Redis found or started when REDIS_URL is unset.
 */
async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig('single');
  if (config.auth.generatedSecret)
    console.warn(`JWT_SECRET not set: using a generated development secret in ${config.app.dataDir}`);
  const localRedis = config.redis.url ? undefined : await findOrStartRedis(join(config.app.dataDir, 'redis'));
  config.redis.url ??= localRedis?.url;

  const db = await openDatabase(config.db);
  await db.migrate();
  const firstRun = await withCliContext(config, db, async (ctx) => {
    if ((await ctx.get(UsersRepository).count()) > 0) return false;
    await ctx.get(SeedService).seed();
    return true;
  });

  const app = await createHttpApp(SingleProcessModule.forRoot(config, db), {
    shutdownHooks: false,
    trustProxy: config.app.trustProxy,
  });
  await configureApi(app, config);
  const url = await listen(app, config.app.port, config.app.host);
  printBanner(url, db.kind, config.redis.url ?? '', firstRun, Date.now() - started, config.app.isProduction);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    await app.close();
    await localRedis?.stop?.();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

function printBanner(
  url: string,
  dbKind: string,
  redisUrl: string,
  seeded: boolean,
  ms: number,
  production: boolean,
): void {
  const lines = [
    `data-sync is up in ${(ms / 1000).toFixed(1)} s (database: ${dbKind}, redis: ${redisUrl}${seeded ? ', first run: migrated and seeded' : ''})`,
    `  API       ${url}/api`,
    `  API docs  ${url}/api/docs`,
    `  health    ${url}/health/ready`,
  ];
  if (!production) {
    const demo = DEMO_USERS.map((u) => `${u.username}/${u.password} (${u.role})`).join(', ');
    lines.push(
      `  log in    curl -s -X POST ${url}/api/auth/login -H 'content-type: application/json' -d '{"username":"demo","password":"demo12345"}'`,
    );
    lines.push(`  demo users: ${demo}`);
  }
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(`data-sync failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
