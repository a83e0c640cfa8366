/**
 * Reader-only rate of a parsing stack: openRowSource(file).rows iterated, nothing else. Compare two versions
 * alternating in the same session (the machine is shared):
 *   git archive <old> libs/parsing/src | tar -x -C /tmp/old && ln -s "$PWD/node_modules" /tmp/old/node_modules
 *   for i in 1 2 3; do for d in /tmp/old/libs/parsing/src libs/parsing/src; do
 *     node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/parsing/reader-rate.ts $d FILE; done; done
 * Prints one JSON line: rows, wall seconds, rows/s, CPU seconds, max RSS (KB).
 */
import { resolve } from 'node:path';

interface Source {
  rows: AsyncIterable<unknown>;
}

async function main(): Promise<void> {
  const [dir, file] = process.argv.slice(2);
  if (!dir || !file) throw new Error('usage: reader-rate.ts <parsing src dir> <file.csv|file.xlsx>');
  const parsing = (await import(resolve(dir, 'row-source'))) as {
    openRowSource(path: string, format: string, options: { headerRow: number }): Promise<Source>;
  };
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const source = await parsing.openRowSource(file, file.endsWith('.xlsx') ? 'xlsx' : 'csv', { headerRow: 1 });
  let rows = 0;
  for await (const row of source.rows) if (row) rows++;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const result = { rows, seconds, rowsPerSec: Math.round(rows / seconds), cpuSeconds: (used.user + used.system) / 1e6 };
  process.stdout.write(`${JSON.stringify({ ...result, maxRssKb: process.resourceUsage().maxRSS })}\n`);
}

void main();
