/**
 * The XLSX reader thread's script (see openXlsxSource): reads the first worksheet of `workerData.path` with
 * openXlsxSheet and posts its rows in batches, at most `credits` ahead of the reading side, then the end or
 * the error that stopped it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EncodedRows, encodeRows } from './row-batch-codec';
import type { ReadLimits } from './read-limits';
import { ThreadError, threadErrorOf } from './thread-error';
import { openXlsxSheet } from './xlsx-sheet';

export interface ReaderThreadData {
  path: string;
  limits: ReadLimits;
  /** Batches it may post before the reading side asks for more (each `number` message adds that many). */
  credits: number;
}

export type ReaderThreadMessage =
  | { type: 'rows'; rows: EncodedRows; bytesRead: number }
  | { type: 'end'; bytesRead: number }
  | { type: 'error'; error: ThreadError };

if (!parentPort) throw new Error('xlsx-read.thread is a worker thread script');
const port = parentPort;
const data = workerData as ReaderThreadData;
let credits = data.credits;
let wake: (() => void) | undefined;

port.on('message', (more: number) => {
  credits += more;
  wake?.();
});

function post(message: ReaderThreadMessage): void {
  const transfer = message.type === 'rows' ? [message.rows.rowNumbers.buffer, message.rows.cells.buffer] : [];
  port.postMessage(message, transfer);
}

async function read(): Promise<void> {
  const sheet = await openXlsxSheet(data.path, data.limits);
  try {
    for await (const rows of sheet.batches) {
      if (!rows.length) continue;
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      post({ type: 'rows', rows: encodeRows(rows), bytesRead: sheet.bytesRead() });
    }
    post({ type: 'end', bytesRead: sheet.bytesRead() });
  } finally {
    await sheet.close();
  }
}

read().catch((error: unknown) => post({ type: 'error', error: threadErrorOf(error) }));
