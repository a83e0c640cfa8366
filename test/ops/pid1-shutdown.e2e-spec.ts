/**
 * The production entries stop as containers need them to when they run as PID 1 without an init (the image's
 * default): SIGTERM → graceful close → exit status 143, never a hang. Each entry is the built one
 * (compiled as `npm run build` compiles it: test/support/built-entries.ts) started as PID 1 of a new PID namespace with
 * `unshare --fork --pid --mount-proc`, where the kernel ignores a signal that has no handler — the trap that
 * Nest's re-raised SIGTERM fell into. Needs root (CI runs as root); util-linux's unshare is on every Debian.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '@app/config';
import { openDatabase } from '@app/db';
import { BuiltEntries, builtEntries } from '../support/built-entries';
import { freePort, waitFor } from '../support/redis-server';
import {
  createTestDatabase,
  TEST_JWT_SECRET,
  TEST_REDIS_URL,
  tempDir,
  TestDatabase,
  uniquePrefix,
} from '../support/test-env';
import { findTool } from '../support/tools';

const REPO = resolve(__dirname, '..', '..');
const GRACE_MS = 2_000;

interface Pid1Process {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Host pid of the entry (PID 1 inside its namespace). */
  pid1: number;
  output: () => string;
}

describe('the built entries as PID 1 (unshare --pid)', () => {
  const dir = tempDir('ds-pid1-');
  let database: TestDatabase;
  let built: BuiltEntries;

  beforeAll(async () => {
    if (!findTool('unshare')) throw new Error('unshare (util-linux) is not installed');
    built = await builtEntries();
    database = await createTestDatabase();
    const db = await openDatabase(loadConfig('api', { DATABASE_URL: database.url, DATA_DIR: dir.path }).db);
    await db.migrate();
    await db.close();
  }, 300_000);
  afterAll(async () => {
    await database?.drop();
    dir.remove();
  });

  async function startAsPid1(entry: string, env: Record<string, string>): Promise<Pid1Process> {
    let output = '';
    const child = spawn(
      'unshare',
      ['--fork', '--pid', '--mount-proc', process.execPath, '-r', 'tsconfig-paths/register', built.entry(entry)],
      {
        cwd: REPO,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          TS_NODE_BASEURL: built.dir,
          HOST: '127.0.0.1',
          DATA_DIR: dir.path,
          DATABASE_URL: database.url!,
          JWT_SECRET: TEST_JWT_SECRET,
          REDIS_PREFIX: uniquePrefix(),
          LOG_LEVEL: 'warn',
          WORKER_SHUTDOWN_GRACE_MS: String(GRACE_MS),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let pid1 = 0;
    await waitFor(
      () => {
        try {
          const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
          pid1 = Number(children.split(' ')[0]);
        } catch {
          pid1 = 0;
        }
        return Promise.resolve(pid1 > 0);
      },
      10_000,
      'unshare did not start the entry',
    );
    // Inside its namespace the entry is PID 1.
    expect(readFileSync(`/proc/${pid1}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
    return { child, exited, pid1, output: () => output };
  }

  async function waitLive(port: number, p: Pid1Process): Promise<void> {
    await waitFor(
      async () => {
        if (p.child.exitCode !== null) throw new Error(`entry exited early:\n${p.output()}`);
        return fetch(`http://127.0.0.1:${port}/health/live`).then(
          (r) => r.ok,
          () => false,
        );
      },
      60_000,
      `no /health/live on ${port}:\n${p.output()}`,
    );
  }

  /** SIGTERM to the entry itself (not to unshare), then its exit status and how long it took. */
  async function terminate(p: Pid1Process): Promise<{ code: number | null; ms: number }> {
    const started = Date.now();
    process.kill(p.pid1, 'SIGTERM');
    const timeout = new Promise<'hung'>((done) => setTimeout(() => done('hung'), 30_000).unref());
    const result = await Promise.race([p.exited, timeout]);
    if (result === 'hung') {
      p.child.kill('SIGKILL');
      process.kill(p.pid1, 'SIGKILL');
      throw new Error(`still running 30 s after SIGTERM:\n${p.output()}`);
    }
    return { code: result, ms: Date.now() - started };
  }

  it('the worker exits 143 soon after SIGTERM, with Redis up', async () => {
    const port = await freePort();
    const p = await startAsPid1('apps/worker/src/main.ts', {
      WORKER_PORT: String(port),
      REDIS_URL: TEST_REDIS_URL,
    });
    await waitLive(port, p);
    const { code, ms } = await terminate(p);
    expect(code).toBe(143);
    expect(ms).toBeLessThan(GRACE_MS + 5_000);
  });

  it('the worker exits 143 within the grace period after SIGTERM while Redis is down', async () => {
    const port = await freePort();
    const p = await startAsPid1('apps/worker/src/main.ts', {
      WORKER_PORT: String(port),
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`, // nothing listens there
    });
    await waitLive(port, p);
    const { code, ms } = await terminate(p);
    expect(code).toBe(143);
    expect(ms).toBeLessThan(GRACE_MS + 5_000);
  });

  it('the API exits 143 after SIGTERM', async () => {
    const port = await freePort();
    const p = await startAsPid1('apps/api/src/main.ts', { PORT: String(port), REDIS_URL: TEST_REDIS_URL });
    await waitLive(port, p);
    const { code } = await terminate(p);
    expect(code).toBe(143);
  });
});
