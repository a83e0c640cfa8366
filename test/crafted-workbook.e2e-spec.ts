import { sql } from 'drizzle-orm';
import { join } from 'node:path';
import { largestLogLine, MAX_LOG_LINE_BYTES } from '@app/observability';
import { syncFile, upload } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';
import { sheetXml, workbookParts, writeZip } from './support/zip-writer';

/** Spreadsheet column letters: 1 → A, 16,384 → XFD. */
function columnName(n: number): string {
  let name = '';
  for (let c = n; c > 0; c = Math.floor((c - 1) / 26)) name = String.fromCharCode(65 + ((c - 1) % 26)) + name;
  return name;
}

/**
 * The workbook of the report, within one file: five rows (52–56) with a cell in every column up to XFD, then
 * a row numbered 2^31 (past int4 and Excel's 1,048,576 rows), also to XFD. Compressed it is a few hundred KB;
 * its wide rows are megabytes of text.
 */
function writeCraftedWorkbook(path: string): void {
  const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
  const narrow = (row: number) => `<row r="${row}">${cell(`A${row}`, `L${row}`)}${cell(`B${row}`, 'fine')}</row>`;
  const wide = (row: number) =>
    `<row r="${row}">${Array.from({ length: 16_384 }, (_, i) => cell(`${columnName(i + 1)}${row}`, `v${i}-${'x'.repeat(40)}`)).join('')}</row>`;
  const rows = [
    `<row r="1">${cell('A1', 'order_id')}${cell('B1', 'note')}</row>`,
    ...Array.from({ length: 50 }, (_, i) => narrow(i + 2)),
    ...[52, 53, 54, 55, 56].map(wide),
    ...Array.from({ length: 100 }, (_, i) => narrow(i + 57)),
    wide(2_147_483_648),
  ];
  writeZip(path, workbookParts([sheetXml(rows.join(''))]));
}

describe('a crafted workbook (e2e, PostgreSQL + worker)', () => {
  const dir = tempDir('ds-crafted-');
  let t: TestApp;

  beforeAll(async () => {
    // warn: the lines a failing ingest writes are the ones that must stay bounded.
    t = await createTestApp({
      driver: 'postgres',
      withWorker: true,
      env: { LOG_LEVEL: 'warn', INGEST_BATCH_ROWS: '100' },
    });
    t.app.flushLogs(); // logs are buffered until listen() otherwise, and never written
  });
  afterAll(async () => {
    await t?.close();
    dir.remove();
  });

  it('fails the file as unreadable, keeps bounded quarantine records and writes no log line over 8 KB', async () => {
    const user = await t.login('normal');
    const path = join(dir.path, 'crafted.xlsx');
    writeCraftedWorkbook(path);
    const meta = { platform: 'shopee', shop_id: 'crafted', data_domain: 'orders', granularity: 'daily' };
    const id = (await upload(t, user.token, path, meta).expect(201)).body.id as number;

    const task = await syncFile(t, user.token, id);

    // The row past the last possible row fails the file as unreadable (not INTERNAL), at once.
    expect(task).toMatchObject({ status: 'failed', error_code: 'FILES_FAILED', attempts: 1 });
    expect(task.files[0].error).toMatch(/unreadable XLSX file \(row number 2147483648 is beyond the last possible row/);
    expect(task.files[0].error!.length).toBeLessThanOrEqual(1_100);
    // The wide rows of the committed batch are quarantined with a bounded prefix and their cell count.
    const quarantined = await t.db.rows<{ row_number: number; reason: string; raw: string[]; size: number }>(
      sql`select row_number, reason, raw, length(raw::text)::int as size from quarantined_rows
           where file_id = ${id} order by row_number`,
    );
    expect(quarantined.map((r) => r.row_number)).toEqual([52, 53, 54, 55, 56]);
    for (const row of quarantined) {
      expect(row.reason).toBe('expected 2 columns, found 16384');
      expect(row.raw).toHaveLength(65);
      expect(row.raw[64]).toBe('… 16384 cells in all');
      expect(row.size).toBeLessThan(8_192);
    }
    expect(largestLogLine()).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    console.log(`crafted workbook: ${task.files[0].error} | largest log line ${largestLogLine()} bytes`);
  });
});
