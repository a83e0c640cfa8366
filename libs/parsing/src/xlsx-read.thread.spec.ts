import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import * as ExcelJS from 'exceljs';
import { DEFAULT_READ_LIMITS } from './read-limits';
import { decodeRows } from './row-batch-codec';
import { threadScript } from './thread-script';
import type { ReaderThreadData, ReaderThreadMessage } from './xlsx-read.thread';

let dir: string;
let big: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xlsx-thread-'));
  big = join(dir, 'big.xlsx');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: big, useSharedStrings: true });
  const sheet = workbook.addWorksheet('only');
  for (let i = 1; i <= 20_000; i++) sheet.addRow([i, `text ${i % 300}`]).commit();
  await workbook.commit();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ReaderThread {
  worker: Worker;
  messages: ReaderThreadMessage[];
  /** Resolves once `done()` holds, checked at each message. */
  until(done: () => boolean): Promise<void>;
}

/** The reader thread on `path`, its messages collected as they come. */
function startThread(path: string, credits: number): ReaderThread {
  const script = threadScript('xlsx-read.thread');
  const workerData: ReaderThreadData = { path, limits: DEFAULT_READ_LIMITS, credits };
  const worker = new Worker(script.filename, { ...script.options, workerData });
  const messages: ReaderThreadMessage[] = [];
  let wake: (() => void) | undefined;
  worker.on('message', (message: ReaderThreadMessage) => {
    messages.push(message);
    wake?.();
  });
  return {
    worker,
    messages,
    async until(done) {
      while (!done()) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

describe('xlsx-read.thread', () => {
  it('posts no more batches than it was granted, then reads on as credits come', async () => {
    const { worker, messages, until } = startThread(big, 2);
    try {
      await until(() => messages.length === 2);
      // Time to run ahead if it would: its next batch is ready in well under this.
      await delay(300);
      expect(messages.map((m) => m.type)).toEqual(['rows', 'rows']);
      worker.postMessage(1);
      await until(() => messages.length === 3);
      await delay(100);
      expect(messages).toHaveLength(3);
      worker.postMessage(1_000);
      await until(() => messages.at(-1)?.type === 'end');
      const rows = messages.flatMap((m) => (m.type === 'rows' ? decodeRows(m.rows) : []));
      expect(rows.map((row) => row.rowNumber)).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
      expect(rows[19_999].values).toEqual(['20000', 'text 200']);
    } finally {
      await worker.terminate();
    }
  });

  it('posts the error that stops the read, as data', async () => {
    const { worker, messages, until } = startThread(join(dir, 'missing.xlsx'), 2);
    try {
      await until(() => messages.length > 0);
      expect(messages).toEqual([
        { type: 'error', error: expect.objectContaining({ unreadable: false, code: 'ENOENT', syscall: 'open' }) },
      ]);
    } finally {
      await worker.terminate();
    }
  });
});
