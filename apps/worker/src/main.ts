import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { openDatabase } from '@app/db';
import { createHttpApp, listen } from '@app/observability';
import { WorkerAppModule } from './worker-app.module';

/** Production entry of the worker: queue consumers plus /health/* on WORKER_PORT. */
async function main(): Promise<void> {
  const config = loadConfig('worker');
  const db = await openDatabase(config.db);
  const app = await createHttpApp(WorkerAppModule.forRoot(config, db));
  const url = await listen(app, config.app.workerPort, config.app.host);
  console.log(`data-sync worker health on ${url}/health/ready`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
