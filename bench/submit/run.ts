/**
 * Submission benchmark: `POST /api/data-sync/single {file_id}` through the full path (JWT, rate limit when
 * present, quota reserve, insert, enqueue) beside an authenticated `GET /api/auth/me` and the framework
 * floor `GET /health/live` on the same API process, alternating (live, me, submit, live, …), 50 keep-alive
 * connections; plus Redis memory per
 * queued task (no worker runs, so every task stays queued).
 *
 * The API runs as a separate process from the production build (dist/, `npm run build` first unless
 * BENCH_SKIP_BUILD=1), on its own database and Redis prefix, with quotas high enough never to refuse.
 *
 * env knobs: BENCH_LOADGEN (autocannon | builtin), BENCH_RUNS (3), BENCH_SECONDS (10 per run), BENCH_REQUESTS (cap per run, 300000),
 * BENCH_CONCURRENCY (50), BENCH_MEM_TASKS (10000), BENCH_WARMUP (3000 per route), BENCH_SKIP_BUILD,
 * BENCH_PROFILE=1 (CPU profile of the API during one extra me and submit window; BENCH_PROFILE_DIR keeps the
 * .cpuprofile files), BENCH_OUT (JSON results).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Redis from 'ioredis';
import {
  createBenchDatabase,
  deleteRedisPrefix,
  freePort,
  log,
  REDIS_URL,
  REPO_ROOT,
  runCommand,
  sleep,
  stopChild,
  tempDir,
  TS_NODE_FLAGS,
  uniqueRedisPrefix,
  withPg,
  builtProcessEnv,
  LIMITS_OUT_OF_REACH,
  migrateWithAdmin,
  loginAs,
} from '../lib/bench-env';
import { formatSummary, summariseProfile } from '../lib/cpu-profile';
import { runAutocannon } from '../lib/autocannon-load';
import { LoadResult, runLoad as runBuiltinLoad } from '../lib/load';
import { envInt, kilo, median, pct, round, table } from '../lib/stats';
import { machineInfo, runMain } from '../lib/main';

const env = process.env;
/** autocannon by default; BENCH_LOADGEN=builtin for the hand-made closed loop (bench/lib/load.ts). */
const runLoad = env.BENCH_LOADGEN === 'builtin' ? runBuiltinLoad : runAutocannon;
const RUNS = Math.max(1, envInt(env, 'BENCH_RUNS', 3));
const SECONDS = Math.max(1, envInt(env, 'BENCH_SECONDS', 10));
const MAX_REQUESTS = Math.max(100, envInt(env, 'BENCH_REQUESTS', 300_000));
const CONCURRENCY = Math.max(1, envInt(env, 'BENCH_CONCURRENCY', 50));
const MEM_TASKS = Math.max(100, envInt(env, 'BENCH_MEM_TASKS', 10_000));
const WARMUP = envInt(env, 'BENCH_WARMUP', 3_000);
const PROFILE = env.BENCH_PROFILE === '1';
const QUEUE = 'data-sync';
const USER = { username: 'bench', password: 'bench-password-1' };
const API = 'dist/apps/api/src/main.js';

interface Api {
  child: ChildProcess;
  base: string;
  output: () => string;
}

interface ProcCpu {
  api: number;
  pg: number;
  redis: number;
  loadGen: number;
}

type Route = 'live' | 'me' | 'submit';
const ROUTE_LABELS: Record<Route, string> = {
  live: 'GET /health/live (no token)',
  me: 'GET /api/auth/me',
  submit: 'POST /api/data-sync/single',
};

interface RunRecord extends LoadResult {
  route: Route;
  /** CPU seconds used during the run by the API process, its PostgreSQL backends, Redis, the load generator. */
  cpu: ProcCpu;
  /** Per request: committed PostgreSQL transactions (autocommit statements count one each) in this database,
   *  and Redis commands (whole server: others' traffic adds noise). */
  pgXactsPerRequest: number;
  redisCommandsPerRequest: number;
}

async function main(): Promise<void> {
  if (env.BENCH_SKIP_BUILD !== '1') await build();
  if (!existsSync(join(REPO_ROOT, API))) throw new Error(`${API} is missing: run npm run build`);

  const dir = tempDir('ds-bench-submit-');
  const db = await createBenchDatabase();
  const prefix = uniqueRedisPrefix();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let api: Api | undefined;
  log(`database ${db.name}, redis prefix ${prefix}`);
  const baseEnv: NodeJS.ProcessEnv = {
    ...builtProcessEnv(db, prefix, dir.path),
    QUOTA_NORMAL: '1000000',
    QUOTA_PREMIUM: '1000000',
    QUOTA_ADMIN: '1000000',
    ...LIMITS_OUT_OF_REACH,
  };
  try {
    await migrateWithAdmin(baseEnv, USER);
    const fileId = await withPg(db.url, async (pg) => {
      const { rows } = await pg.query<{ id: number }>(
        `INSERT INTO catalog_files (path, file_name, platform, shop_id, data_domain, sub_domain, granularity,
                                    period_start, period_end, sha256, size_bytes, format)
         VALUES ($1, $2, 'tiktok', 'tt_5001', 'orders', '', 'daily', '2026-11-03', '2026-11-03', $3, 1024, 'csv')
         RETURNING id`,
        [
          join(dir.path, 'bench.csv'),
          'tiktok__tt_5001__orders__all__daily__2026-11-03_2026-11-03.csv',
          'bench-'.padEnd(64, '0'),
        ],
      );
      return rows[0].id;
    });

    api = await startApi(baseEnv);
    const token = await loginAs(api.base, USER);
    const auth = { authorization: `Bearer ${token}` };
    const me = { url: `${api.base}/api/auth/me`, method: 'GET' as const, headers: auth };
    // The floor: no token, no rate limit, no database — Fastify, Nest, logging and metrics only.
    const live = { url: `${api.base}/health/live`, method: 'GET' as const, headers: {} };
    const submit = {
      url: `${api.base}/api/data-sync/single`,
      method: 'POST' as const,
      headers: auth,
      body: JSON.stringify({ file_id: fileId }),
    };
    const load = (target: typeof me | typeof live | typeof submit, maxRequests: number, durationMs: number) =>
      runLoad({ ...target, concurrency: CONCURRENCY, maxRequests, durationMs });

    // Redis memory per queued task, on a prefix that holds nothing else yet (also warms the submit path up).
    const memory = await memoryPerTask(redis, prefix, () => load(submit, MEM_TASKS, 300_000));
    log(
      `memory: ${memory.tasks} queued tasks, INFO used_memory Δ ${round(memory.infoBytesPerTask)} B/task, prefix keys ${round(memory.keyBytesPerTask)} B/task`,
    );
    if (WARMUP) {
      await load(me, WARMUP, 60_000);
      await load(submit, WARMUP, 60_000);
    }

    const runs: RunRecord[] = [];
    for (let run = 1; run <= RUNS; run++) {
      for (const [route, target] of [
        ['live', live],
        ['me', me],
        ['submit', submit],
      ] as const) {
        const record = await measured(api, db.name, redis, route, () => load(target, MAX_REQUESTS, SECONDS * 1000));
        runs.push(record);
        log(`run ${run} ${route}: ${describe(record)}`);
        if (record.ok !== record.requests) {
          log(`  non-2xx: ${JSON.stringify(record.statuses)} ${record.firstError ?? ''} ${record.sampleBody ?? ''}`);
        }
      }
    }
    const rateLimitHeaders = Object.keys(runs.find((r) => r.route === 'submit')?.sampleHeaders ?? {}).filter((h) =>
      h.startsWith('x-ratelimit'),
    );
    const queued = await redis.zcard(`${prefix}:bull:${QUEUE}:prioritized`);

    let profiles: string[] = [];
    if (PROFILE) {
      await stopChild(api.child);
      api = undefined;
      profiles = await profileApi(baseEnv, dir.path, me, submit);
    }

    const report = formatReport(runs, memory, rateLimitHeaders, queued, profiles);
    process.stdout.write(`${report}\n`);
    if (env.BENCH_OUT) {
      writeFileSync(
        env.BENCH_OUT,
        JSON.stringify({ machine: machineInfo(), runs: runs.map(({ sampleHeaders: _h, ...r }) => r), memory }, null, 2),
      );
    }
  } finally {
    if (api) await stopChild(api.child);
    await db.drop().catch((error: unknown) => log(`drop failed: ${String(error)}`));
    await deleteRedisPrefix(redis, prefix).catch(() => undefined);
    redis.disconnect();
    dir.remove();
    log('cleaned up (API stopped, database dropped, redis keys removed)');
  }
}

async function build(): Promise<void> {
  log('npm run build …');
  const result = await runCommand('npm', ['run', '-s', 'build'], { timeoutMs: 10 * 60_000 });
  if (result.code !== 0) {
    log(
      `build exited ${result.code} (type errors elsewhere?); using what it emitted:\n${result.stdout.slice(0, 1500)}`,
    );
  }
}

async function startApi(baseEnv: NodeJS.ProcessEnv, extra: { flags?: string[]; env?: NodeJS.ProcessEnv } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [...(extra.flags ?? []), '-r', 'tsconfig-paths/register', API], {
    cwd: REPO_ROOT,
    env: { ...baseEnv, PORT: String(port), HOST: '127.0.0.1', ...extra.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.channel?.unref();
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL')
      log(`API exited (${code ?? signal}):\n${output.slice(-4_000)}`);
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`API exited ${child.exitCode}:\n${output}`);
    const ok = await fetch(`${base}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, base, output: () => output };
    await sleep(200);
  }
  await stopChild(child);
  throw new Error(`API did not answer /health/live within 60 s:\n${output}`);
}

// ------------------------------------------------------------------ CPU accounting

/** utime + stime of a process in seconds (Linux /proc), 0 when unreadable. */
function procCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function pgBackendPids(dbName: string): Promise<number[]> {
  return withPg(`postgres://postgres@127.0.0.1:5432/postgres`, async (pg) => {
    const { rows } = await pg.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'data-sync'`,
      [dbName],
    );
    return rows.map((r) => r.pid);
  });
}

async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const get = (k: string): number => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return get('used_cpu_sys') + get('used_cpu_user');
}

async function xactCommits(dbName: string): Promise<number> {
  return withPg(`postgres://postgres@127.0.0.1:5432/postgres`, async (pg) => {
    const { rows } = await pg.query<{ n: string }>(
      `SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = $1`,
      [dbName],
    );
    return Number(rows[0]?.n ?? NaN);
  });
}

async function redisCommands(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
}

async function measured(
  api: Api,
  dbName: string,
  redis: Redis,
  route: Route,
  work: () => Promise<LoadResult>,
): Promise<RunRecord> {
  await sleep(1_200); // lets PostgreSQL flush the previous run's statistics (≤ 1 s delay)
  const xactBefore = await xactCommits(dbName);
  const commandsBefore = await redisCommands(redis);
  const apiPid = api.child.pid as number;
  const pgPids = await pgBackendPids(dbName);
  const pgBefore = new Map(pgPids.map((p) => [p, procCpu(p)]));
  const apiBefore = procCpu(apiPid);
  const redisBefore = await redisCpu(redis);
  const selfBefore = process.cpuUsage();
  const result = await work();
  const self = process.cpuUsage(selfBefore);
  const apiCpu = procCpu(apiPid) - apiBefore;
  const redisUsed = (await redisCpu(redis)) - redisBefore;
  let pg = 0;
  for (const pid of await pgBackendPids(dbName)) pg += procCpu(pid) - (pgBefore.get(pid) ?? 0);
  const commands = (await redisCommands(redis)) - commandsBefore;
  await sleep(1_200);
  // Minus the few statements of this measurement itself (pg_stat_activity reads run on other databases).
  const xacts = (await xactCommits(dbName)) - xactBefore;
  return {
    ...result,
    route,
    cpu: { api: apiCpu, pg, redis: redisUsed, loadGen: (self.user + self.system) / 1e6 },
    pgXactsPerRequest: xacts / result.requests,
    redisCommandsPerRequest: commands / result.requests,
  };
}

function describe(r: RunRecord): string {
  const l = r.latencyMs;
  return `${kilo(r.rps)} req/s, ${round(r.pgXactsPerRequest, 2)} pg xacts/req, ${round(r.redisCommandsPerRequest, 1)} redis cmds/req, p50 ${round(l.p50, 2)} ms, p90 ${round(l.p90, 2)} ms, p99 ${round(l.p99, 2)} ms (${r.requests} requests, ${r.ok} 2xx, ${round(r.seconds, 1)} s) CPU s: api ${round(r.cpu.api, 1)}, pg ${round(r.cpu.pg, 1)}, redis ${round(r.cpu.redis, 1)}, load gen ${round(r.cpu.loadGen, 1)}`;
}

// ------------------------------------------------------------------ Redis memory per queued task

interface MemoryResult {
  tasks: number;
  infoBytesPerTask: number;
  keyBytesPerTask: number;
  /** MEMORY USAGE by key kind (bytes, summed), after the tasks were queued. */
  byKind: Record<string, { keys: number; bytes: number }>;
  submit: LoadResult;
}

async function memoryPerTask(
  redis: Redis,
  prefix: string,
  submitAll: () => Promise<LoadResult>,
): Promise<MemoryResult> {
  const queuedKey = `${prefix}:bull:${QUEUE}:prioritized`;
  const before = await usedMemory(redis);
  const keysBefore = await prefixMemory(redis, prefix);
  const queuedBefore = await redis.zcard(queuedKey);
  const submit = await submitAll();
  await sleep(500);
  const after = await usedMemory(redis);
  const keysAfter = await prefixMemory(redis, prefix);
  const tasks = (await redis.zcard(queuedKey)) - queuedBefore;
  if (tasks !== submit.ok) log(`memory: ${submit.ok} submissions accepted but ${tasks} jobs queued`);
  return {
    tasks,
    infoBytesPerTask: (after - before) / tasks,
    keyBytesPerTask: (keysAfter.total - keysBefore.total) / tasks,
    byKind: keysAfter.byKind,
    submit,
  };
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

/** Sum of `MEMORY USAGE key SAMPLES 0` over the prefix's keys, by kind (job hash, events stream, …). */
async function prefixMemory(
  redis: Redis,
  prefix: string,
): Promise<{ total: number; byKind: Record<string, { keys: number; bytes: number }> }> {
  const byKind: Record<string, { keys: number; bytes: number }> = {};
  let total = 0;
  let cursor = '0';
  const jobKey = new RegExp(`^${prefix}:bull:${QUEUE}:[0-9a-f-]{36}$`);
  for (let round = 0; round < 100_000; round++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) {
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
      const results = (await pipeline.exec()) ?? [];
      keys.forEach((key, i) => {
        const bytes = Number(results[i]?.[1] ?? 0);
        const kind = jobKey.test(key) ? 'job hash' : key.slice(prefix.length + 1).replace(/[0-9a-f-]{36}/, '<id>');
        const entry = (byKind[kind] ??= { keys: 0, bytes: 0 });
        entry.keys++;
        entry.bytes += bytes;
        total += bytes;
      });
    }
    cursor = next;
    if (cursor === '0') break;
  }
  return { total, byKind };
}

// ------------------------------------------------------------------ profile

async function profileApi(
  baseEnv: NodeJS.ProcessEnv,
  dir: string,
  me: Parameters<typeof runLoad>[0] extends infer T ? Omit<T, 'concurrency' | 'maxRequests' | 'durationMs'> : never,
  submit: typeof me,
): Promise<string[]> {
  const api = await startApi(baseEnv, {
    flags: [...TS_NODE_FLAGS.slice(0, 2), '-r', join(REPO_ROOT, 'bench/lib/profile-hook.ts')],
  });
  const sections: string[] = [];
  try {
    const token = await loginAs(api.base, USER);
    const auth = { authorization: `Bearer ${token}` };
    for (const [name, target] of [
      ['GET /api/auth/me', me],
      ['POST /api/data-sync/single', submit],
    ] as const) {
      const url = target.url.replace(/^http:\/\/[^/]+/, api.base);
      const opts = { ...target, url, headers: auth, concurrency: CONCURRENCY };
      await runLoad({ ...opts, maxRequests: WARMUP || 1000, durationMs: 60_000 });
      await profilerCommand(api.child, { benchProfile: 'start' }, 'started');
      const result = await runLoad({ ...opts, maxRequests: MAX_REQUESTS, durationMs: SECONDS * 1000 });
      const file = join(dir, `api-profile-${name.split(' ')[0]}-${sections.length}.cpuprofile`);
      await profilerCommand(api.child, { benchProfile: 'stop', path: file }, 'written');
      if (env.BENCH_PROFILE_DIR) {
        mkdirSync(env.BENCH_PROFILE_DIR, { recursive: true });
        copyFileSync(file, join(env.BENCH_PROFILE_DIR, basename(file)));
      }
      sections.push(
        [
          `## API CPU profile during ${name} (c=${CONCURRENCY}, ${kilo(result.rps)} req/s while profiled, statuses ${JSON.stringify(result.statuses)}${result.firstError ? `, first error ${result.firstError}` : ''})`,
          formatSummary(name, summariseProfile(file, 40), 25),
        ].join('\n'),
      );
    }
  } finally {
    await stopChild(api.child);
  }
  return sections;
}

/** Sends a command to the profile hook and waits (≤ 30 s) for its answer. */
function profilerCommand(child: ChildProcess, message: object, answer: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`profile hook did not answer ${answer} within 30 s`));
    }, 30_000);
    const onMessage = (m: { benchProfile?: string }): void => {
      if (m.benchProfile === 'failed') reject(new Error('profiler failed'));
      if (m.benchProfile !== answer && m.benchProfile !== 'failed') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

// ------------------------------------------------------------------ report

function formatReport(
  runs: RunRecord[],
  memory: MemoryResult,
  rateLimitHeaders: string[],
  queued: number,
  profiles: string[],
): string {
  const of = (route: Route) => runs.filter((r) => r.route === route);
  const med = (rs: RunRecord[], pick: (r: RunRecord) => number) => median(rs.map(pick));
  const rows = (['live', 'me', 'submit'] as const).map((route) => {
    const rs = of(route);
    return [
      ROUTE_LABELS[route],
      kilo(med(rs, (r) => r.rps)),
      rs.map((r) => kilo(r.rps)).join(' / '),
      round(
        med(rs, (r) => r.latencyMs.p50),
        2,
      ),
      round(
        med(rs, (r) => r.latencyMs.p90),
        2,
      ),
      round(
        med(rs, (r) => r.latencyMs.p99),
        2,
      ),
      rs.map((r) => round(r.latencyMs.p99, 1)).join(' / '),
      `${rs.reduce((n, r) => n + r.ok, 0)} / ${rs.reduce((n, r) => n + r.requests, 0)}`,
      `api ${round(med(rs, (r) => r.cpu.api / r.seconds) * 100)} %, pg ${round(med(rs, (r) => r.cpu.pg / r.seconds) * 100)} %, redis ${round(med(rs, (r) => r.cpu.redis / r.seconds) * 100)} %, load gen ${round(med(rs, (r) => r.cpu.loadGen / r.seconds) * 100)} %`,
      round(
        med(rs, (r) => (r.cpu.api / r.requests) * 1000),
        2,
      ),
      round(
        med(rs, (r) => r.pgXactsPerRequest),
        2,
      ),
      round(
        med(rs, (r) => r.redisCommandsPerRequest),
        1,
      ),
    ];
  });
  const ratio = med(of('submit'), (r) => r.rps) / med(of('me'), (r) => r.rps);
  const parts = [
    '# submit bench',
    '',
    `machine: ${JSON.stringify(machineInfo())}; concurrency ${CONCURRENCY}, ${RUNS} runs × ${SECONDS} s per route, alternating`,
    '',
    table(
      [
        'route',
        'median req/s',
        'runs (req/s)',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'runs p99',
        '2xx / all',
        'CPU (share of one core)',
        'API CPU ms/req',
        'pg xacts/req',
        'redis cmds/req',
      ],
      rows,
    ),
    '',
    `submit / me throughput (ratio of medians): ${pct(ratio)}`,
    `rate-limit headers on the submit route: ${rateLimitHeaders.length ? rateLimitHeaders.join(', ') : 'none (no app rate limiter on the path)'}`,
    `jobs left queued in Redis: ${queued}`,
    '',
    `Redis memory per queued task (${memory.tasks} tasks submitted at c=${CONCURRENCY}, ${kilo(memory.submit.rps)} req/s):`,
    `  INFO used_memory delta / tasks: ${round(memory.infoBytesPerTask)} B (whole server: others' keys add noise)`,
    `  MEMORY USAGE of this prefix's keys / tasks: ${round(memory.keyBytesPerTask)} B`,
    table(
      ['key kind', 'keys', 'bytes', 'bytes per task'],
      Object.entries(memory.byKind)
        .sort((a, b) => b[1].bytes - a[1].bytes)
        .map(([kind, e]) => [kind, e.keys, e.bytes, round(e.bytes / memory.tasks)]),
    ),
  ];
  if (profiles.length) parts.push('', ...profiles);
  return parts.join('\n');
}

runMain(main);
