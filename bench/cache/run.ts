/**
 * Cache benchmark, in one run on one database of 1,000 accounts, 50 keep-alive connections, JWT and the
 * app rate limiter on (limits out of reach):
 *  - `GET /api/collection/accounts` on an API with the cache on, the same read on an API with
 *    `CACHE_ENABLED=false`, and `GET /api/auth/me` (the auth + limiter floor) — alternating, BENCH_RUNS times;
 *  - a mixed phase on the cached API: the same read at full load while one account on the first page is
 *    renamed once a second; after each write's response, 5 reads must show the new name. Hit rate from
 *    `GET /api/system/cache-stats` (the accounts type) over the phase.
 *
 * Each window also records the API process's CPU time per request (user + system, from /proc; Linux): on a shared
 * machine the throughput ratio follows the other load, the CPU a request costs much less so.
 *
 * env knobs: BENCH_RUNS (3), BENCH_SECONDS (10), BENCH_CONCURRENCY (50), BENCH_MIXED_SECONDS (20),
 * BENCH_WARMUP (2000 requests per target), BENCH_SKIP_BUILD=1, BENCH_OUT (JSON results).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  uniqueRedisPrefix,
  withPg,
  builtProcessEnv,
  LIMITS_OUT_OF_REACH,
  migrateWithAdmin,
  loginAs,
} from '../lib/bench-env';
import { LoadResult, runLoad } from '../lib/load';
import { envInt, kilo, median, pct, round, table } from '../lib/stats';

const env = process.env;
const RUNS = Math.max(1, envInt(env, 'BENCH_RUNS', 3));
const SECONDS = Math.max(1, envInt(env, 'BENCH_SECONDS', 10));
const CONCURRENCY = Math.max(1, envInt(env, 'BENCH_CONCURRENCY', 50));
const MIXED_SECONDS = Math.max(3, envInt(env, 'BENCH_MIXED_SECONDS', 20));
const WARMUP = envInt(env, 'BENCH_WARMUP', 2_000);
const ACCOUNTS = 1_000;
const USER = { username: 'bench', password: 'bench-password-1' };
const API = 'dist/apps/api/src/main.js';

type Target = 'cached' | 'uncached' | 'me';
const LABELS: Record<Target, string> = {
  cached: 'GET /api/collection/accounts (cache on)',
  uncached: 'GET /api/collection/accounts (CACHE_ENABLED=false)',
  me: 'GET /api/auth/me',
};

async function main(): Promise<void> {
  if (env.BENCH_SKIP_BUILD !== '1') {
    log('npm run build …');
    const built = await runCommand('npm', ['run', '-s', 'build'], { timeoutMs: 10 * 60_000 });
    if (built.code !== 0) log(`build exited ${built.code}; using what it emitted`);
  }
  if (!existsSync(join(REPO_ROOT, API))) throw new Error(`${API} is missing: run npm run build`);

  const dir = tempDir('ds-bench-cache-');
  const db = await createBenchDatabase();
  const prefix = uniqueRedisPrefix();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const apis: ChildProcess[] = [];
  log(`database ${db.name}, redis prefix ${prefix}`);
  const baseEnv: NodeJS.ProcessEnv = {
    ...builtProcessEnv(db, prefix, dir.path),
    ...LIMITS_OUT_OF_REACH,
  };
  try {
    await migrateWithAdmin(baseEnv, USER);
    await withPg(db.url, (pg) =>
      pg.query(
        `INSERT INTO accounts (platform, shop_id, name, region, login_name, enabled)
         SELECT (ARRAY['shopee','tiktok','lazada','amazon'])[1 + i % 4], 'shop_' || lpad(i::text, 5, '0'),
                'Bench shop ' || i, (ARRAY['SG','MY','TH','ID','VN'])[1 + i % 5], 'login' || i, i % 7 <> 0
         FROM generate_series(1, ${ACCOUNTS}) AS i`,
      ),
    );

    const cachedApi = await startApi({ ...baseEnv, CACHE_ENABLED: 'true' }, apis);
    const uncachedApi = await startApi({ ...baseEnv, CACHE_ENABLED: 'false' }, apis);
    const auth = { authorization: `Bearer ${await loginAs(cachedApi, USER)}` };
    const urls: Record<Target, string> = {
      cached: `${cachedApi}/api/collection/accounts`,
      uncached: `${uncachedApi}/api/collection/accounts`,
      me: `${cachedApi}/api/auth/me`,
    };
    const load = (target: Target, maxRequests: number, durationMs: number) =>
      runLoad({ url: urls[target], headers: auth, concurrency: CONCURRENCY, maxRequests, durationMs });
    const pids: Record<Target, number | undefined> = { cached: apis[0].pid, uncached: apis[1].pid, me: apis[0].pid };

    if (WARMUP) for (const target of Object.keys(urls) as Target[]) await load(target, WARMUP, 60_000);
    const runs: Run[] = [];
    for (let run = 1; run <= RUNS; run++) {
      for (const target of ['cached', 'uncached', 'me'] as const) {
        const cpuBefore = cpuMs(pids[target]);
        const result = await load(target, 1_000_000, SECONDS * 1000);
        const cpuUsPerRequest = ((cpuMs(pids[target]) - cpuBefore) * 1000) / result.requests;
        runs.push({ ...result, target, run, cpuUsPerRequest });
        log(
          `run ${run} ${target}: ${kilo(result.rps)} req/s, p50 ${round(result.latencyMs.p50, 2)} ms, ok ${result.ok}/${result.requests}, API CPU ${round(cpuUsPerRequest, 0)} µs/req`,
        );
      }
    }

    const mixed = await mixedPhase(cachedApi, auth, load);
    log(`mixed: hit rate ${pct(mixed.hitRate)}, ${mixed.freshReads}/${mixed.checkedReads} reads after writes fresh`);
    const report = formatReport(runs, mixed);
    process.stdout.write(`${report}\n`);
    if (env.BENCH_OUT) writeFileSync(env.BENCH_OUT, JSON.stringify({ runs, mixed }, null, 2));
  } finally {
    for (const child of apis) await stopChild(child);
    await deleteRedisPrefix(redis, prefix).catch(() => 0);
    redis.disconnect();
    await db.drop();
    dir.remove();
  }
}

type Run = LoadResult & { target: Target; run: number; cpuUsPerRequest: number };

/** CPU time (user + system) a process has used, in ms (NaN off Linux). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return NaN;
  }
}

interface Mixed {
  seconds: number;
  reads: LoadResult;
  writes: number;
  checkedReads: number;
  freshReads: number;
  hits: number;
  misses: number;
  hitRate: number;
}

/** Full read load on the cached API while one first-page account is renamed every second. */
async function mixedPhase(
  base: string,
  auth: Record<string, string>,
  load: (target: Target, max: number, ms: number) => Promise<LoadResult>,
): Promise<Mixed> {
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers: auth });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const accountsStats = async () => {
    const body = (await get('/api/system/cache-stats')) as { types: { type: string; hits: number; misses: number }[] };
    return body.types.find((t) => t.type === 'accounts')!;
  };
  const first = ((await get('/api/collection/accounts')).items as { id: number }[])[0];
  const before = await accountsStats();
  const deadline = Date.now() + MIXED_SECONDS * 1000;
  let writes = 0;
  let checkedReads = 0;
  let freshReads = 0;
  const writer = (async () => {
    while (Date.now() < deadline) {
      const next = Date.now() + 1000;
      const name = `Renamed ${++writes}`;
      const res = await fetch(`${base}/api/collection/accounts/${first.id}`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      if (!res.ok) throw new Error(`PATCH ${res.status}`);
      const reads = await Promise.all(Array.from({ length: 5 }, () => get('/api/collection/accounts')));
      for (const body of reads) {
        checkedReads++;
        if ((body.items as { id: number; name: string }[]).find((i) => i.id === first.id)?.name === name) freshReads++;
      }
      await sleep(Math.max(0, next - Date.now()));
    }
  })();
  const reads = await load('cached', 10_000_000, MIXED_SECONDS * 1000);
  await writer;
  const after = await accountsStats();
  const hits = after.hits - before.hits;
  const misses = after.misses - before.misses;
  return {
    seconds: MIXED_SECONDS,
    reads,
    writes,
    checkedReads,
    freshReads,
    hits,
    misses,
    hitRate: hits / (hits + misses),
  };
}

function formatReport(runs: Run[], mixed: Mixed): string {
  const med = (target: Target, pick: (r: Run) => number) => median(runs.filter((r) => r.target === target).map(pick));
  const rows = (['cached', 'uncached', 'me'] as const).map((t) => [
    LABELS[t],
    kilo(med(t, (r) => r.rps)),
    round(
      med(t, (r) => r.latencyMs.p50),
      2,
    ),
    round(
      med(t, (r) => r.latencyMs.p99),
      2,
    ),
    round(
      med(t, (r) => r.cpuUsPerRequest),
      0,
    ),
    runs.filter((r) => r.target === t && r.ok !== r.requests).length ? 'non-2xx seen' : 'all 2xx',
  ]);
  const cpuRatio = med('me', (r) => r.cpuUsPerRequest) / med('cached', (r) => r.cpuUsPerRequest);
  const p50Ratio = med('cached', (r) => r.latencyMs.p50) / med('uncached', (r) => r.latencyMs.p50);
  const rpsRatio = med('cached', (r) => r.rps) / med('me', (r) => r.rps);
  return [
    `## Cache (${ACCOUNTS} accounts, c = ${CONCURRENCY}, medians of ${RUNS} × ${SECONDS} s)`,
    '',
    table(['route', 'req/s', 'p50 ms', 'p99 ms', 'API CPU µs/req', 'status'], rows),
    '',
    `- cached p50 / uncached p50: ${pct(p50Ratio)} (goal ≤ 40 %)`,
    `- cached req/s / \`/auth/me\` req/s: ${pct(rpsRatio)} (goal ≥ 70 %)`,
    `- API CPU per request, \`/auth/me\` / cached: ${pct(cpuRatio)} (the throughput ratio of a CPU-bound API; steadier under other load)`,
    `- mixed ${mixed.seconds} s (${kilo(mixed.reads.rps)} reads/s + ${mixed.writes} writes): hit rate ${pct(mixed.hitRate)} ` +
      `(${mixed.hits} hits, ${mixed.misses} misses; goal ≥ 95 %); reads right after a write showing it: ` +
      `${mixed.freshReads}/${mixed.checkedReads}`,
  ].join('\n');
}

async function startApi(childEnv: NodeJS.ProcessEnv, started: ChildProcess[]): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', API], {
    cwd: REPO_ROOT,
    env: { ...childEnv, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-8_000)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`API exited ${child.exitCode}:\n${output}`);
    if (
      await fetch(`${base}/health/live`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return base;
    await sleep(200);
  }
  throw new Error(`API did not answer /health/live within 60 s:\n${output}`);
}

main().catch((error: unknown) => {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
