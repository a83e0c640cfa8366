import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { openDatabase } from '@app/db';
import { createHttpApp, exitOnSignals, listen } from '@app/observability';
import { ApiModule } from './api.module';
import { configureApi } from './configure-api';

/** Closing the API: in-flight requests, then the pool and Redis connections. */
const API_CLOSE_BOUND_MS = 15_000;

/** Production entry of the HTTP API (needs DATABASE_URL and REDIS_URL). */
async function main(): Promise<void> {
  const config = loadConfig('api');
  const db = await openDatabase(config.db);
  const app = await createHttpApp(ApiModule.forRoot(config, db), {
    trustProxy: config.app.trustProxy,
    shutdownHooks: false,
  });
  exitOnSignals(app, API_CLOSE_BOUND_MS, (message) => console.log(message));
  await configureApi(app, config);
  const url = await listen(app, config.app.port, config.app.host);
  console.log(`data-sync API listening on ${url}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
