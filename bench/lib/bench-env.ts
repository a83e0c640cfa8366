import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { ENDPOINT_CLASSES, rateLimitVariable } from '@app/config';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** HS256 secret for the bench's own API process (≥ 32 bytes). */
export const BENCH_JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';

/** Node flags that run a TypeScript file from the sources (as the npm scripts do). */
export const TS_NODE_FLAGS = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

export const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/**
 * The environment of an API or worker process started from the production build against a bench database and
 * Redis prefix; each bench adds its own limits and switches.
 */
export function builtProcessEnv(db: { url: string }, prefix: string, dataDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_OPTIONS: '',
    TS_NODE_BASEURL: './dist', // the build's @app/* paths
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    JWT_SECRET: BENCH_JWT_SECRET,
    JWT_ACCESS_TTL: '2h',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
}

/**
 * The app rate limiter stays on (it is part of every path measured) with limits the bench never reaches: every
 * endpoint class of an admin (the bench user), and anonymous logins.
 */
export const LIMITS_OUT_OF_REACH: NodeJS.ProcessEnv = {
  RATE_LIMIT_ENABLED: 'true',
  ...Object.fromEntries(ENDPOINT_CLASSES.map((cls) => [rateLimitVariable('admin', cls), '1000000000'])),
  [rateLimitVariable('anonymous', 'auth')]: '1000000000',
};

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh `ds_bench_*` database; `drop` removes it (FORCE, so a leftover connection never blocks it). */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `ds_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs `work` with a client on `url`, closing it afterwards. */
export async function withPg<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const uniqueRedisPrefix = (): string => `dsbench-${randomBytes(4).toString('hex')}`;

// One prefix sweep for the suites and the benches.
export { deleteRedisPrefix } from '../../test/support/test-env';

export function tempDir(prefix = 'ds-bench-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Compiles the bench's child scripts (and the libs they import) to JavaScript in `outDir`, so children run
 * like the production worker does — without ts-node, whose TypeScript compiler alone would add ~100 MB of RSS.
 * Type errors elsewhere in the tree (others' work in progress) do not stop the emit; they are reported.
 */
export async function compileChildren(outDir: string): Promise<void> {
  const result = await runCommand(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'bench/tsconfig.child.json', '--outDir', outDir],
    { timeoutMs: 5 * 60_000 },
  );
  if (result.code !== 0) log(`tsc reported errors (emitted anyway):\n${result.stdout.slice(0, 2000)}`);
}

/**
 * The worker's V8 flags as deployed: NODE_OPTIONS of deploy/systemd/data-sync-worker@.service (k8s and compose
 * set the same; test/ops checks it), so a bench child measures the memory the worker would use.
 */
export function workerNodeFlags(): string[] {
  const unit = readFileSync(join(REPO_ROOT, 'deploy', 'systemd', 'data-sync-worker@.service'), 'utf8');
  const match = /^Environment="?NODE_OPTIONS=([^"\n]*)"?$/m.exec(unit);
  if (!match) throw new Error('deploy/systemd/data-sync-worker@.service sets no NODE_OPTIONS');
  return match[1].split(/\s+/).filter(Boolean);
}

/** Node arguments and environment to run a compiled child script (`bench/...ts` path as in the sources). */
export function compiledChild(
  outDir: string,
  script: string,
  env: NodeJS.ProcessEnv,
  nodeFlags: string[] = [],
): { args: string[]; env: NodeJS.ProcessEnv } {
  return {
    args: [...nodeFlags, '-r', 'tsconfig-paths/register', join(outDir, script.replace(/\.ts$/, '.js'))],
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      TS_NODE_BASEURL: outDir,
      NODE_PATH: join(REPO_ROOT, 'node_modules'),
      ...env,
    },
  };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Runs a command to completion (killed after `timeoutMs`), capturing its output. */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string },
): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      resolveRun({ code, signal, stdout, stderr, wallMs });
    });
  });
}

/** Like runCommand, but fails unless the exit code is 0. */
export async function runChecked(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string },
): Promise<RunResult> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code ?? result.signal}:\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`,
    );
  }
  return result;
}

/** The JSON a bench child prints on its `BENCH_RESULT ` line. */
export function parseChildResult<T>(stdout: string): T {
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`child printed no BENCH_RESULT line:\n${stdout.slice(-3000)}`);
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as T;
}

/** Stops a child we started: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

export interface BenchUser {
  username: string;
  password: string;
}

/** The built CLI (`npm run build` first) on the bench's database: migrate, then create the admin the bench logs in as. */
export async function migrateWithAdmin(env: NodeJS.ProcessEnv, user: BenchUser): Promise<void> {
  const cli = (...args: string[]) =>
    runChecked(process.execPath, ['-r', 'tsconfig-paths/register', 'dist/src/cli/cli.js', ...args], {
      env,
      timeoutMs: 120_000,
    });
  await cli('migrate');
  await cli('users:create', '--username', user.username, '--password', user.password, '--role', 'admin');
}

/** An access token for `user` from the API at `base`. */
export async function loginAs(base: string, user: BenchUser): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  if (res.status !== 200) throw new Error(`login ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
