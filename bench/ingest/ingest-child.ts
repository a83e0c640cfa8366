/**
 * One ingest run in its own process, so the RSS it reports is the ingest's own.
 *
 * Builds what the worker builds for the pipeline (config, pg pool, Redis, quota, SyncTasksModule — but no
 * BullMQ Worker), makes sure the template, a user and the catalog rows exist, inserts a `sync_tasks` row (a
 * single task for one file, a batch task for several) and times `SyncTaskRunner.run(taskId)`. Prints one
 * `BENCH_RESULT {json}` line, the file results summed.
 *
 * env: DATABASE_URL, REDIS_URL, REDIS_PREFIX, BENCH_FILES (paths, one a line), INGEST_BATCH_ROWS (optional),
 *      BENCH_PHASES=1 (time the pipeline's phases by wrapping prototypes; adds a little overhead),
 *      BENCH_CPU_PROFILE=path (V8 CPU profile of run() only, start-up excluded).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { basename, dirname } from 'node:path';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { sql } from 'drizzle-orm';
import { AppConfig, ConfigModule, loadConfig } from '@app/config';
import { DbHandle, DbModule, FileResult, openDatabase } from '@app/db';
import { QuotaModule } from '@app/quota';
import { RedisModule } from '@app/redis';
import { CatalogService, SyncTaskRunner, SyncTasksModule, TasksRepository, TemplatesRepository } from '@app/sync-tasks';
import { SAMPLE_TEMPLATES } from '../../src/seed/sample-templates';
import { BENCH_JWT_SECRET } from '../lib/bench-env';
import { maxRssBytes, sampleRss } from '../lib/rss';
import { installPhaseTimers, PhaseTimes } from './phases';
import { runMain } from '../lib/main';

const lifeSampler = sampleRss(20);

@Module({})
class IngestBenchModule {
  static forRoot(config: AppConfig, db: DbHandle): DynamicModule {
    return {
      module: IngestBenchModule,
      imports: [ConfigModule.forRoot(config), DbModule.forRoot(db), RedisModule, QuotaModule, SyncTasksModule],
    };
  }
}

export interface IngestChildResult {
  /** The file's name, or how many files the batch task held. */
  file: string;
  files: number;
  batchRows: number;
  status: string;
  error: string | null;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  seconds: number;
  rowsPerSec: number;
  /** RSS right before run() and the sampled peak during it. */
  rssBeforeRunBytes: number;
  peakRssRunBytes: number;
  /** Sampled peak over the whole child (Nest start-up included) and the kernel's high-water mark. */
  peakRssLifeBytes: number;
  maxRssBytes: number;
  /** CPU this process used during run() (user + system), and CPU of its PostgreSQL backends (whole life). */
  nodeCpuSeconds: number;
  pgBackendCpuSeconds: number | null;
  phases: PhaseTimes | null;
}

async function main(): Promise<void> {
  const files = required('BENCH_FILES').split('\n');
  const dirs = [...new Set(files.map((f) => dirname(f)))];
  const config = loadConfig('worker', {
    NODE_ENV: 'test',
    DATABASE_URL: required('DATABASE_URL'),
    REDIS_URL: required('REDIS_URL'),
    REDIS_PREFIX: required('REDIS_PREFIX'),
    JWT_SECRET: BENCH_JWT_SECRET,
    DATA_DIR: dirs[0],
    SCAN_ROOTS: dirs.join(','),
    LOG_LEVEL: 'warn',
    INGEST_BATCH_ROWS: process.env.INGEST_BATCH_ROWS,
  });
  const db = await openDatabase(config.db);
  const app = await NestFactory.createApplicationContext(IngestBenchModule.forRoot(config, db), {
    logger: ['error', 'warn'],
  });
  try {
    const templates = app.get(TemplatesRepository);
    for (const template of SAMPLE_TEMPLATES) await templates.insertIfAbsent(template);
    const [user] = await db.rows<{ id: number }>(
      sql`INSERT INTO users (username, password_hash, role) VALUES ('bench-ingest', 'not-a-hash', 'admin')
          ON CONFLICT (username) DO UPDATE SET updated_at = now() RETURNING id`,
    );
    const fileIds = await catalogIds(db, app.get(CatalogService), files);
    const taskId = randomUUID();
    const kind = fileIds.length > 1 ? 'batch' : 'single';
    await app
      .get(TasksRepository)
      .insert({ id: taskId, userId: user.id, kind, fileIds, priority: 5, status: 'queued' });
    const phases = process.env.BENCH_PHASES === '1' ? installPhaseTimers() : null;
    const runner = app.get(SyncTaskRunner);

    const profiler = process.env.BENCH_CPU_PROFILE ? await startProfiler() : undefined;
    const rssBefore = process.memoryUsage.rss();
    const runSampler = sampleRss(20);
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const outcome = await runner.run(taskId, { report: () => Promise.resolve() });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const runPeak = runSampler.stop();
    if (profiler) await stopProfiler(profiler, process.env.BENCH_CPU_PROFILE as string);

    const task = await app.get(TasksRepository).findForWorker(taskId);
    const results = fileIds.map((id) => task?.results[String(id)]);
    if (results.some((r) => !r)) throw new Error(`a file has no result (outcome ${JSON.stringify(outcome)})`);
    const result = sumResults(results as FileResult[]);
    const pgCpu = await backendCpuSeconds(db);
    const out: IngestChildResult = {
      file: files.length > 1 ? `${files.length} files in ${dirs.join(', ')}` : basename(files[0]),
      files: files.length,
      batchRows: config.worker.batchRows,
      status: result.status,
      error: result.error,
      rows: result.rows_total,
      inserted: result.inserted,
      updated: result.updated,
      unchanged: result.unchanged,
      quarantined: result.quarantined,
      seconds,
      rowsPerSec: result.rows_total / seconds,
      rssBeforeRunBytes: rssBefore,
      peakRssRunBytes: runPeak.peakBytes,
      peakRssLifeBytes: lifeSampler.stop().peakBytes,
      maxRssBytes: maxRssBytes(),
      nodeCpuSeconds: (cpu.user + cpu.system) / 1e6,
      pgBackendCpuSeconds: pgCpu,
      phases: phases?.snapshot() ?? null,
    };
    process.stdout.write(`BENCH_RESULT ${JSON.stringify(out)}\n`);
  } finally {
    await app.close();
  }
}

/** The files' catalog ids: registered by an earlier run, or registered now by scanning their directories. */
async function catalogIds(db: DbHandle, catalog: CatalogService, paths: string[]): Promise<number[]> {
  const ids = new Map<string, number>();
  const known = await db.rows<{ id: number; path: string }>(
    sql`SELECT id, path FROM catalog_files WHERE path = ANY(${sql.param(paths)}::text[])`,
  );
  for (const k of known) ids.set(k.path, k.id);
  const missing = paths.filter((p) => !ids.has(p));
  for (const dir of new Set(missing.map((p) => dirname(p)))) {
    const report = await catalog.scan(dir);
    for (const r of report.registered) ids.set(r.path, r.id);
    for (const d of report.duplicates) ids.set(d.path, d.existing_file_id);
    const unregistered = missing.filter((p) => dirname(p) === dir && !ids.has(p));
    if (unregistered.length) {
      throw new Error(`could not register ${unregistered.join(', ')}: ${JSON.stringify(report.skipped)}`);
    }
  }
  return paths.map((p) => ids.get(p) as number);
}

/** One result for the task: counts summed; 'ingested' only when every file was, else the first other status. */
function sumResults(results: FileResult[]): FileResult {
  const sum = (pick: (r: FileResult) => number): number => results.reduce((n, r) => n + pick(r), 0);
  const odd = results.find((r) => r.status !== 'ingested');
  return {
    file_id: results[0].file_id,
    file_name: results.length > 1 ? `${results.length} files` : results[0].file_name,
    status: odd?.status ?? 'ingested',
    rows_total: sum((r) => r.rows_total),
    inserted: sum((r) => r.inserted),
    updated: sum((r) => r.updated),
    unchanged: sum((r) => r.unchanged),
    quarantined: sum((r) => r.quarantined),
    error: odd?.error ?? null,
  };
}

/**
 * CPU (user + system) of this database's backends opened by the pool, read from /proc; they are this
 * process's connections, opened for this run. Null when /proc is not readable.
 */
async function backendCpuSeconds(db: DbHandle): Promise<number | null> {
  const pids = await db.rows<{ pid: number }>(
    sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'data-sync'`,
  );
  let ticks = 0;
  try {
    for (const { pid } of pids) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 of stat)
    }
  } catch {
    return null;
  }
  return ticks / 100; // USER_HZ
}

async function startProfiler(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  return session;
}

async function stopProfiler(session: Session, path: string): Promise<void> {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(path, JSON.stringify(profile));
  session.disconnect();
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

runMain(main);
