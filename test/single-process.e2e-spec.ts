import { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { spawnBuilt } from './support/built-entries';
import { freePort, waitFor } from './support/redis-server';
import { TEST_REDIS_URL, tempDir } from './support/test-env';

/**
 * `npm start`'s entry (src/main.ts, built as `npm start` builds it) as a real child process on the embedded defaults:
 * PGlite in a fresh data dir, migrations and seed on first run, then a demo login.
 */
// Cold starts (PGlite init, migrations, argon2 hashing, sample files) run long on a loaded 2-core machine.
jest.setTimeout(150_000);

describe('single-process start (e2e, PGlite + Redis)', () => {
  const dir = tempDir('ds-single-');
  let child: ChildProcess | undefined;
  let output = '';
  let url = '';

  async function start(): Promise<number> {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = await spawnStart({
      DATA_DIR: dir.path,
      PORT: String(port),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: `single-${port}`,
      LOG_LEVEL: 'warn',
    });
    const started = Date.now();
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(
        async () =>
          (
            await request(url)
              .get('/health/ready')
              .catch(() => ({ status: 0 }))
          ).status === 200,
        90_000,
        `not ready:\n${output}`,
      );
    } catch (error) {
      await end(child, 'SIGKILL'); // a failed start must not leave the process running
      throw error;
    }
    return Date.now() - started;
  }

  const stop = (): Promise<number | null> => end(child, 'SIGTERM');

  afterAll(async () => {
    await stop();
    dir.remove();
  });

  it('migrates, seeds and serves on a fresh data dir; a demo user logs in', async () => {
    const ms = await start();
    console.log(`single-process cold start to ready: ${ms} ms`);
    expect(output).toContain('first run: migrated and seeded');
    expect(output).toContain('/api/docs');
    const login = await request(url)
      .post('/api/auth/login')
      .send({ username: 'demo', password: 'demo12345' })
      .expect(200);
    const accounts = await request(url)
      .get('/api/collection/accounts')
      .set('authorization', `Bearer ${login.body.access_token}`)
      .expect(200);
    expect(accounts.body.total).toBeGreaterThanOrEqual(5);
    const samples = readdirSync(join(dir.path, 'samples'));
    expect(samples.some((f) => f.endsWith('.csv'))).toBe(true);
    expect(samples.some((f) => f.endsWith('.xlsx'))).toBe(true);
    expect(await stop()).toBe(0);
  });

  it('restarts on the warm data dir without seeding again, keeping its data and tokens valid', async () => {
    const ms = await start();
    console.log(`single-process warm start to ready: ${ms} ms`);
    expect(output.split('first run').length).toBe(2); // only the first start seeded
    await request(url).post('/api/auth/login').send({ username: 'admin', password: 'admin12345' }).expect(200);
  });

  it('refuses a second process on the same embedded database', async () => {
    // The warm start above holds the database; without it a second process would simply start.
    expect(child?.exitCode).toBeNull();
    const port = await freePort();
    const second = await spawnStart({ DATA_DIR: dir.path, PORT: String(port), REDIS_URL: TEST_REDIS_URL });
    let err = '';
    second.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    try {
      const exited = new Promise<number | null>((resolve) => second.once('exit', resolve));
      const code = await Promise.race([exited, sleep(60_000).then(() => 'still running after 60 s')]);
      expect(code).toBe(1);
      expect(err).toMatch(/embedded database is in use by process \d+/);
    } finally {
      await end(second, 'SIGKILL');
    }
  });
});

/** `npm run start:single`: the built entry, `node -r tsconfig-paths/register dist/src/main.js`. */
const spawnStart = (env: Record<string, string>): Promise<ChildProcess> => spawnBuilt('src/main.ts', env);

/**
 * Ends a child process and resolves with its exit code: `signal` first, SIGKILL if it has not exited within
 * 30 s, so no test leaves a process behind whatever state it is in.
 */
async function end(proc: ChildProcess | undefined, signal: NodeJS.Signals): Promise<number | null> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
