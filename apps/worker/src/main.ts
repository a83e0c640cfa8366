import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { openDatabase } from '@app/db';
import { createHttpApp, exitOnSignals, listen } from '@app/observability';
import { WorkerAppModule } from './worker-app.module';

const WORKER_CLOSE_MARGIN_MS = 4_000;

/** Production entry of the worker: queue consumers plus /health/* on WORKER_PORT. */
async function main(): Promise<void> {
  const config = loadConfig('worker');
  const db = await openDatabase(config.db);
  const app = await createHttpApp(WorkerAppModule.forRoot(config, db), { shutdownHooks: false });
  // The worker's own close is bounded by the grace + 1 s; the margin covers the HTTP server and connections.
  exitOnSignals(app, config.worker.shutdownGraceMs + WORKER_CLOSE_MARGIN_MS, (message) => console.log(message));
  const url = await listen(app, config.app.workerPort, config.app.host);
  console.log(`data-sync worker health on ${url}/health/ready`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
