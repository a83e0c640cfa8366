import { ChildProcess } from 'node:child_process';
import { AppConfig } from '@app/config';
import { spawnBuilt } from './built-entries';
import { freePort } from './redis-server';
import { CHEAP_PASSWORD_HASHING, TEST_JWT_SECRET } from './test-env';

/** The production worker entry (apps/worker/src/main.ts, built) as a child process, for kill and concurrency tests. */
export class WorkerProcess {
  private output = '';
  protected constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
  }

  static async start(config: AppConfig, env: Record<string, string> = {}): Promise<WorkerProcess> {
    return new WorkerProcess(
      await spawnEntry('apps/worker/src/main.ts', config, { WORKER_PORT: String(await freePort()), ...env }),
    );
  }

  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Sends the signal and resolves with how the process ended. The entry closes the
   * app within a bound and then exit with 128 + the signal, so a SIGTERM exit reads { code: 143, signal: null }.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.running) return { code: this.child.exitCode, signal: this.child.signalCode };
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      this.child.once('exit', (code, sig) => resolve({ code, signal: sig })),
    );
    this.child.kill(signal);
    return exited;
  }
}

/** A production entry, built as `npm start` runs it, as a child process on the test's database, Redis and data dir. */
export function spawnEntry(entry: string, config: AppConfig, env: Record<string, string>): Promise<ChildProcess> {
  return spawnBuilt(entry, {
    NODE_ENV: 'test',
    DATABASE_URL: config.db.url,
    REDIS_URL: config.redis.url,
    REDIS_PREFIX: config.redis.prefix,
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: config.app.dataDir,
    LOG_LEVEL: 'warn',
    ...CHEAP_PASSWORD_HASHING,
    ...env,
  });
}
