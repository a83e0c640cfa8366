/**
 * The xlsx-vs-csv pair with two builds of the code, run by run: each round ingests the pair's CSV (this
 * checkout) and its XLSX with this checkout and with another one (BENCH_AB_OTHER: a checkout with its
 * node_modules, e.g. `git archive <commit> | tar -x -C /tmp/base && ln -s $PWD/node_modules /tmp/base/`),
 * in an order that rotates each round. On a shared machine whose load changes by the minute, this compares
 * the two XLSX readers seconds apart instead of one bench run apart. Prints per-round rates and medians.
 *
 *   BENCH_AB_OTHER=/tmp/base BENCH_RUNS=6 npm run -s bench:ingest:ab
 * Other knobs: BENCH_PAIR_ROWS, BENCH_PAIR_TEMPLATE, BENCH_OUT (JSON), BENCH_WORKER_NODE_OPTIONS (see options.ts).
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { openPostgres } from '@app/db';
import {
  compileChildren,
  createBenchDatabase,
  deleteRedisPrefix,
  log,
  REDIS_URL,
  runChecked,
  tempDir,
  uniqueRedisPrefix,
} from '../lib/bench-env';
import { kilo, mb, median, pct } from '../lib/stats';
import { Context, describe, ingestRun } from './harness';
import type { IngestChildResult } from './ingest-child';
import { readOptions } from './options';
import { writePairFiles } from './part-xlsx-vs-csv';
import { machineInfo, runMain } from '../lib/main';

type Side = 'csv' | 'xlsx' | 'xlsxOther';
const SIDES: Side[] = ['csv', 'xlsx', 'xlsxOther'];

async function main(): Promise<void> {
  const other = process.env.BENCH_AB_OTHER;
  if (!other) throw new Error('BENCH_AB_OTHER (another checkout, with node_modules) is required');
  const options = readOptions(process.env);
  const dir = tempDir('ds-bench-ab-');
  const db = await createBenchDatabase();
  const prefix = uniqueRedisPrefix();
  const pg = new Client({ connectionString: db.url });
  try {
    const handle = openPostgres({ url: db.url, poolMax: 2, lockTimeoutMs: 0, statementTimeoutMs: 0 });
    await handle.migrate();
    await handle.close();
    await pg.connect();
    const ctx: Context = { db, pg, prefix, profDir: dir.path, build: join(dir.path, 'build'), options };
    const otherBuild = join(dir.path, 'build-other');
    await compileChildren(ctx.build);
    await runChecked(
      process.execPath,
      [join(other, 'node_modules/typescript/bin/tsc'), '-p', 'bench/tsconfig.child.json', '--outDir', otherBuild],
      { cwd: resolve(other), timeoutMs: 5 * 60_000 },
    ).catch((error: unknown) =>
      log(`tsc in ${other} reported errors (emitted anyway): ${String(error).slice(0, 500)}`),
    );
    const pair = await writePairFiles(ctx, dir.path);
    const runs: Record<Side, IngestChildResult[]> = { csv: [], xlsx: [], xlsxOther: [] };
    for (let round = 0; round < options.runs; round++) {
      for (let i = 0; i < SIDES.length; i++) {
        const side = SIDES[(round + i) % SIDES.length];
        const run = { ...ctx, build: side === 'xlsxOther' ? otherBuild : ctx.build };
        const r = await ingestRun(run, side === 'csv' ? pair.csv : pair.xlsx, {
          fresh: true,
          expectRows: options.pairRows,
        });
        runs[side].push(r);
        log(`round ${round + 1} ${side.padEnd(9)} ${describe(r)}`);
      }
      const ratio = (side: Side): string => pct(runs[side][round].rowsPerSec / runs.csv[round].rowsPerSec);
      log(`round ${round + 1}: XLSX at ${ratio('xlsx')} of CSV, other build's XLSX at ${ratio('xlsxOther')}`);
    }
    const rate = (side: Side): number => median(runs[side].map((r) => r.rowsPerSec));
    const ratios = (side: Side): number[] => runs[side].map((r, i) => r.rowsPerSec / runs.csv[i].rowsPerSec);
    const summary = {
      rows: options.pairRows,
      medianRowsPerSec: { csv: rate('csv'), xlsx: rate('xlsx'), xlsxOther: rate('xlsxOther') },
      medianRatioPerRound: { xlsx: median(ratios('xlsx')), xlsxOther: median(ratios('xlsxOther')) },
      maxRssMb: {
        xlsx: Math.max(...runs.xlsx.map((r) => mb(r.maxRssBytes))),
        xlsxOther: Math.max(...runs.xlsxOther.map((r) => mb(r.maxRssBytes))),
      },
    };
    process.stdout.write(
      `\nmedians over ${options.runs} rounds: CSV ${kilo(rate('csv'))}, XLSX ${kilo(rate('xlsx'))} (${pct(rate('xlsx') / rate('csv'))}; per round ${pct(summary.medianRatioPerRound.xlsx)}), other build's XLSX ${kilo(rate('xlsxOther'))} (${pct(rate('xlsxOther') / rate('csv'))}; per round ${pct(summary.medianRatioPerRound.xlsxOther)}); XLSX maxRSS ${summary.maxRssMb.xlsx} / ${summary.maxRssMb.xlsxOther} MB\n`,
    );
    if (options.out)
      writeFileSync(options.out, JSON.stringify({ machine: machineInfo(), other, summary, runs }, null, 2));
  } finally {
    await pg.end().catch(() => undefined);
    await db.drop().catch((error: unknown) => log(`drop failed: ${String(error)}`));
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect().catch(() => undefined);
    if (redis.status === 'ready') await deleteRedisPrefix(redis, prefix);
    redis.disconnect();
    dir.remove();
  }
}

runMain(main);
