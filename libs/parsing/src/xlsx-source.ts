import { Worker } from 'node:worker_threads';
import { decodeRows } from './row-batch-codec';
import { RowBatches, rowSourceOf } from './row-source.base';
import type { RowSource } from './row-source.types';
import { DEFAULT_READ_LIMITS, ReadLimits } from './read-limits';
import { errorFromThread } from './thread-error';
import { threadScript } from './thread-script';
import type { ReaderThreadData, ReaderThreadMessage } from './xlsx-read.thread';
import type { XlsxSheet } from './xlsx-sheet';

/**
 * Batches (of 256 rows) the thread may read ahead: enough to cover the time the ingest spends on a commit
 * and the time the thread waits for a core, at ≈ 100–200 KB a batch.
 */
const IN_FLIGHT = 16;

/**
 * Streams the first worksheet of an XLSX file with our own reader (see openXlsxSheet): the rows ExcelJS's
 * streaming reader gave, except where it lost or changed cell values (see SheetScanner), read 3–5 times faster,
 * on a worker thread.
 */
export async function openXlsxSource(
  path: string,
  headerRow: number,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<RowSource> {
  const sheet = readSheetInThread(path, limits);
  return rowSourceOf(sheet.batches, {
    headerRow,
    padToHeaders: true,
    bytesRead: sheet.bytesRead,
    release: sheet.close,
  });
}

/**
 * openXlsxSheet on a worker thread: inflating, the shared strings and the sheet scan cost this thread nothing
 * but slicing each batch's cells out of one string, so the ingest's own work (preparing rows, COPY) gets a core
 * to itself. Errors arrive as the same class and message. Closing, or breaking out of the batches, terminates
 * the thread, which releases its file handle.
 */
function readSheetInThread(path: string, limits: ReadLimits): XlsxSheet {
  const data: ReaderThreadData = { path, limits, credits: IN_FLIGHT };
  const worker = new Worker(THREAD_SCRIPT.filename, { ...THREAD_SCRIPT.options, workerData: data });
  const inbox: ReaderThreadMessage[] = [];
  let failure: Error | undefined;
  let waiter: (() => void) | undefined;
  let bytes = 0;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= worker.terminate().then(() => undefined));
  const wake = (): void => {
    waiter?.();
    waiter = undefined;
  };
  worker.on('message', (message: ReaderThreadMessage) => {
    inbox.push(message);
    wake();
  });
  worker.on('error', (error: Error) => {
    failure ??= error;
    wake();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the xlsx reader thread exited (code ${code}) before the end of the sheet`);
    wake();
  });
  // Held only while this side waits for a batch: a source dropped without close() does not keep the process up.
  worker.unref();

  async function next(): Promise<ReaderThreadMessage> {
    while (!inbox.length) {
      if (failure) throw failure;
      worker.ref();
      await new Promise<void>((resolve) => (waiter = resolve));
      worker.unref();
    }
    return inbox.shift() as ReaderThreadMessage;
  }

  async function* batches(): RowBatches {
    try {
      for (;;) {
        const message = await next();
        if (message.type === 'error') throw errorFromThread(message.error);
        bytes = message.bytesRead;
        if (message.type === 'end') return;
        worker.postMessage(1);
        yield decodeRows(message.rows);
      }
    } finally {
      await stop();
    }
  }

  return { batches: batches(), bytesRead: () => bytes, close: stop };
}

const THREAD_SCRIPT = threadScript('xlsx-read.thread');
