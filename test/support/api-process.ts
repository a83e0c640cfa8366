import { AppConfig } from '@app/config';
import { freePort, waitFor } from './redis-server';
import { RAISED_RATE_LIMITS } from './test-env';
import { spawnEntry, WorkerProcess } from './worker-process';

/** The production API entry (apps/api/src/main.ts, built) as a child process, for tests that kill the API. */
export class ApiProcess extends WorkerProcess {
  readonly url: string;

  private constructor(child: Awaited<ReturnType<typeof spawnEntry>>, port: number) {
    super(child);
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts it and waits until it answers /health/live (rate limits raised, as in createTestApp). */
  static async startApi(config: AppConfig, env: Record<string, string> = {}): Promise<ApiProcess> {
    const port = await freePort();
    const child = await spawnEntry('apps/api/src/main.ts', config, {
      ...RAISED_RATE_LIMITS,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
    });
    const api = new ApiProcess(child, port);
    await waitFor(
      async () =>
        api.running &&
        (await fetch(`${api.url}/health/live`).then(
          (r) => r.ok,
          () => false,
        )),
      60_000,
      'the API process did not start',
    ).catch((error: Error) => {
      throw new Error(`${error.message}:\n${api.log}`);
    });
    return api;
  }
}
