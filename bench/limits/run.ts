/**
 * Two measurements for issue 9, each side by side in one run (the machine is shared: compare ratios):
 * 1. the app rate limiter's overhead on an authenticated GET (`/api/auth/me`): two API processes from the
 *    production build on one database and Redis, one with RATE_LIMIT_ENABLED=true (limits out of reach), one
 *    with false, loaded alternately (on, off, on, off, …); medians of the runs.
 * 2. task events one API process streams to BENCH_STREAMS (200) open SSE connections: events are XADDed to
 *    the stream in pipelined batches as fast as Redis takes them; the rate is events fully delivered to every
 *    connection per second (each is one SSE message per connection).
 *
 * Needs `npm run build` first (BENCH_SKIP_BUILD=1 skips it). env: BENCH_RUNS (5), BENCH_SECONDS (5),
 * BENCH_CONCURRENCY (50), BENCH_STREAMS (200), BENCH_EVENTS (20000).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import Redis from 'ioredis';
import {
  createBenchDatabase,
  deleteRedisPrefix,
  freePort,
  log,
  REDIS_URL,
  REPO_ROOT,
  runChecked,
  sleep,
  stopChild,
  tempDir,
  uniqueRedisPrefix,
  builtProcessEnv,
  LIMITS_OUT_OF_REACH,
  migrateWithAdmin,
  loginAs,
} from '../lib/bench-env';
import { runLoad } from '../lib/load';
import { envInt, median, pct, round } from '../lib/stats';

const env = process.env;
const RUNS = Math.max(1, envInt(env, 'BENCH_RUNS', 5));
const SECONDS = Math.max(1, envInt(env, 'BENCH_SECONDS', 5));
const CONCURRENCY = Math.max(1, envInt(env, 'BENCH_CONCURRENCY', 50));
const STREAMS = Math.max(1, envInt(env, 'BENCH_STREAMS', 200));
const EVENTS = Math.max(100, envInt(env, 'BENCH_EVENTS', 20_000));
const API = 'dist/apps/api/src/main.js';
const USER = { username: 'bench-admin', password: 'bench-password-123' };

async function main(): Promise<void> {
  if (env.BENCH_SKIP_BUILD !== '1') await runChecked('npm', ['run', '-s', 'build'], { timeoutMs: 300_000 });
  const db = await createBenchDatabase();
  const dir = tempDir();
  const prefix = uniqueRedisPrefix();
  const redis = new Redis(REDIS_URL);
  const children: ChildProcess[] = [];
  const baseEnv: NodeJS.ProcessEnv = {
    ...builtProcessEnv(db, prefix, dir.path),
    ...LIMITS_OUT_OF_REACH, // RATE_LIMIT_ENABLED is set per API below
    SSE_MAX_STREAMS_PER_USER: String(STREAMS + 10),
  };
  try {
    await migrateWithAdmin(baseEnv, USER);
    const on = await startApi({ ...baseEnv, RATE_LIMIT_ENABLED: 'true' });
    const off = await startApi({ ...baseEnv, RATE_LIMIT_ENABLED: 'false' });
    children.push(on.child, off.child);
    const token = await loginAs(on.base, USER);
    const headers = { authorization: `Bearer ${token}` };

    // 1. limiter on vs off
    const me = (base: string) =>
      runLoad({
        url: `${base}/api/auth/me`,
        headers,
        concurrency: CONCURRENCY,
        maxRequests: 1_000_000,
        durationMs: SECONDS * 1000,
      });
    await me(on.base);
    await me(off.base);
    const rps = { on: [] as number[], off: [] as number[] };
    const p50 = { on: [] as number[], off: [] as number[] };
    for (let run = 1; run <= RUNS; run++) {
      for (const [name, api] of [
        ['on', on],
        ['off', off],
      ] as const) {
        const result = await me(api.base);
        if (result.ok !== result.requests) throw new Error(`${name}: non-2xx ${JSON.stringify(result.statuses)}`);
        rps[name].push(result.rps);
        p50[name].push(result.latencyMs.p50);
        log(`run ${run} limiter ${name}: ${round(result.rps)} req/s, p50 ${round(result.latencyMs.p50, 2)} ms`);
      }
    }
    const [onRps, offRps] = [median(rps.on), median(rps.off)];
    log(
      `limiter overhead on GET /api/auth/me (c=${CONCURRENCY}, medians of ${RUNS}): on ${round(onRps)} req/s p50 ${round(median(p50.on), 2)} ms, ` +
        `off ${round(offRps)} req/s p50 ${round(median(p50.off), 2)} ms → on/off throughput ${pct(onRps / offRps)}`,
    );
    await stopChild(off.child);

    // 2. SSE fan-out
    const streams = await Promise.all(Array.from({ length: STREAMS }, () => openStream(on.base, headers)));
    const key = `${prefix}:task-events`;
    const event = (i: number) =>
      JSON.stringify({
        type: 'progress',
        task_id: '00000000-0000-4000-8000-000000000000',
        user_id: 1,
        status: 'active',
        progress: { filesTotal: 1, filesDone: 0, rowsTotal: 0, rowsDone: i, percent: 50, currentFile: 'bench.csv' },
        error: null,
        at: new Date().toISOString(),
      });
    const started = Date.now();
    for (let i = 0; i < EVENTS; i += 500) {
      const pipeline = redis.pipeline();
      for (let j = i; j < Math.min(EVENTS, i + 500); j++)
        pipeline.xadd(key, 'MAXLEN', '~', '100000', '*', 'e', event(j));
      await pipeline.exec();
    }
    const published = Date.now() - started;
    const deadline = Date.now() + 300_000;
    while (streams.some((s) => s.count() < EVENTS) && Date.now() < deadline) await sleep(20);
    const seconds = (Date.now() - started) / 1000;
    const delivered = Math.min(...streams.map((s) => s.count()));
    log(
      `SSE fan-out: ${EVENTS} events to ${STREAMS} connections in ${round(seconds, 2)} s (published in ${published} ms): ` +
        `${round(delivered / seconds)} events/s to every connection = ${round((delivered * STREAMS) / seconds)} messages/s` +
        (delivered < EVENTS ? ` (only ${delivered} reached every connection)` : ''),
    );
    for (const s of streams) s.close();
  } finally {
    for (const child of children) await stopChild(child);
    await deleteRedisPrefix(redis, prefix);
    redis.disconnect();
    await db.drop();
    dir.remove();
  }
}

async function startApi(childEnv: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', API], {
    cwd: REPO_ROOT,
    env: { ...childEnv, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (c: Buffer) => (errors = (errors + c.toString()).slice(-4_000)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`API exited ${child.exitCode}:\n${errors}`);
    if (
      await fetch(`${base}/health/live`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { child, base };
    await sleep(200);
  }
  await stopChild(child);
  throw new Error(`API did not answer within 60 s:\n${errors}`);
}

/** One SSE connection that only counts the events it receives. */
function openStream(base: string, headers: Record<string, string>): Promise<{ count(): number; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/data-sync/events`, { headers, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`events: ${res.statusCode}`));
      let events = 0;
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const text = tail + chunk;
        events += text.split('\nevent: ').length - 1;
        tail = text.slice(-7); // shorter than the marker: a match is never counted twice
      });
      resolve({ count: () => events, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
