/**
 * What a hostile workbook costs the reader at the default limits (docs/operations.md): builds one, reads it
 * in this process, prints CPU seconds, RSS and the outcome.
 *   node --max-old-space-size=4096 -r ts-node/register/transpile-only -r tsconfig-paths/register \
 *     bench/parsing/hostile-file.ts <bomb|endless-row|sst|rows> [build|read]
 * `build` then `read` (two processes) keeps the builder's garbage out of the RSS figure (used for sst).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { sheetXml, workbookParts, writeZip } from '../../libs/parsing/test/zip-writer';
import { openRowSource } from '../../libs/parsing/src/row-source';

function build(kind: string, path: string): void {
  if (kind === 'sst') {
    // 1,999,000 distinct strings of 50 characters: just under maxSharedStrings and maxSharedStringChars
    const parts: string[] = ['<sst>'];
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const rnd = randomBytes(1_999_000 * 50);
    for (let i = 0; i < 1_999_000; i++) {
      let s = '';
      for (let j = 0; j < 50; j++) s += alphabet[rnd[i * 50 + j] % 36];
      parts.push(`<si><t>${s}</t></si>`);
    }
    parts.push('</sst>');
    writeZip(
      path,
      workbookParts([sheetXml('<row r="1"><c t="s"><v>0</v></c></row>')], { 'xl/sharedStrings.xml': parts.join('') }),
    );
  } else if (kind === 'bomb') {
    // deflate's best ratio (~1030:1): stopped by maxInflateRatio after 1 MiB
    const [head, tail] = sheetXml('<row r="1"><c><v>1</v></c></row>#').split('#');
    writeZip(
      path,
      workbookParts([
        Buffer.concat([
          Buffer.from(head),
          Buffer.alloc(1024 * 1024 * 1024, 0x20),
          Buffer.from(tail),
        ]) as unknown as string,
      ]),
    );
  } else if (kind === 'rows') {
    // 512 MiB of sheet XML at ~50:1, every row distinct: under the ratio limit, a quarter of maxInflatedBytes
    const [head, tail] = sheetXml('#').split('#');
    const chunks: Buffer[] = [Buffer.from(head)];
    let bytes = 0;
    let rows: string[] = [];
    for (let r = 1; bytes < 512 * 1024 * 1024; r++) {
      const row = `<row r="${r}"><c r="A${r}"><v>${r}</v></c><c r="B${r}" t="inlineStr"><is><t>item ${r % 9973}</t></is></c></row>`;
      rows.push(row);
      bytes += row.length;
      if (rows.length === 100000) {
        chunks.push(Buffer.from(rows.join('')));
        rows = [];
      }
    }
    chunks.push(Buffer.from(rows.join('')), Buffer.from(tail));
    writeZip(path, workbookParts([Buffer.concat(chunks) as unknown as string]));
  } else if (kind === 'endless-row') {
    writeZip(
      path,
      workbookParts([`<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>${'y'.repeat(64 * 1024 * 1024)}`]),
    );
  }
}

async function main(): Promise<void> {
  const [kind] = process.argv.slice(2);
  const path = join(tmpdir(), `hostile-${kind}.xlsx`);
  if (process.argv[3] === 'build') return build(kind, path);
  if (!process.argv[3]) build(kind, path);
  if (global.gc) global.gc();
  const rssBefore = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let outcome = '';
  let rows = 0;
  let peak = rssBefore;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const source = await openRowSource(path, 'xlsx', { headerRow: 1 });
    for await (const row of source.rows)
      if (row && ++rows % 50000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    outcome = `read ${rows} rows`;
  } catch (error) {
    outcome = (error as Error).message;
  }
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const cpu = process.cpuUsage(c0);
  const { size } = statSync(path);
  console.log(
    JSON.stringify({
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      kind,
      fileMB: +(size / 1048576).toFixed(1),
      wallS: +(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2),
      cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      rssGrowthMB: Math.round((peak - rssBefore) / 1048576),
      outcome,
    }),
  );
  if (!process.argv[3]) rmSync(path);
}
void main();
