import { copyLine, QuarantineRow } from './fact-rows.repository';
import type { RowPreparer } from './row-preparer';

const MIN_BATCH_BYTES = 64 * 1024;

/**
 * Rows of one batch, kept as COPY data encoded into one growing buffer: off the JS heap, so a batch waiting
 * for its commit does not get promoted and collected by the old-generation GC, and without a Buffer per row.
 * A key seen twice keeps its last version (one statement cannot update a row twice): the earlier line is
 * left out when the data is handed over.
 */
export class Batch {
  /** Line number (in `starts`) of each key's current version. */
  private readonly lineOf = new Map<string, number>();
  /** Byte offset of each line written; a line ends where the next starts, the last at `used`. */
  private readonly starts: number[] = [];
  /** Lines replaced by a later version of their key. */
  private readonly superseded: number[] = [];
  /**
   * Bytes per line of the last batch handed over: the next starts with room for its expected rows at that
   * size and an eighth more, since growing means copying into fresh memory, which costs page faults. Room
   * never written is never touched. Rows are expected by the batch size asked for (a batch shared with
   * other files' rows asks for fewer).
   */
  private static bytesPerLine = 0;
  private data: Buffer;
  private used = 0;
  readonly quarantined: QuarantineRow[] = [];
  size = 0;
  lastRow = 0;

  /**
   * `fileId`: the file the rows come from (each COPY line names it: a commit may hold several files);
   * `expectedRows`: how many rows it will likely hold.
   */
  constructor(
    readonly fileId: number,
    expectedRows = 0,
  ) {
    const expected = Math.max(MIN_BATCH_BYTES, Math.ceil(expectedRows * Batch.bytesPerLine));
    this.data = Buffer.allocUnsafeSlow(expected + (expected >> 3));
  }

  add(rowNumber: number, prepared: ReturnType<RowPreparer['prepare']>): void {
    this.size++;
    this.lastRow = rowNumber;
    if (!prepared.ok) {
      this.quarantined.push({ n: rowNumber, reason: prepared.reason, r: prepared.raw });
      return;
    }
    const line = copyLine(this.fileId, prepared.key, prepared.date, prepared.json);
    const earlier = this.lineOf.get(prepared.key);
    if (earlier !== undefined) this.superseded.push(earlier);
    this.lineOf.set(prepared.key, this.starts.length);
    this.starts.push(this.used);
    // A UTF-16 code unit takes at most 3 bytes in UTF-8, so this much room never truncates the line.
    if (this.used + line.length * 3 > this.data.length) this.grow(line.length * 3);
    this.used += this.data.write(line, this.used);
  }

  /** Distinct facts in the batch. */
  get facts(): number {
    return this.lineOf.size;
  }

  /** True when no key occurs in two of `batches` (their rows can then merge in one statement). */
  static disjoint(batches: Batch[]): boolean {
    if (batches.length < 2) return true;
    const seen = new Set<string>();
    for (const batch of batches) {
      for (const key of batch.lineOf.keys()) {
        if (seen.has(key)) return false;
      }
      for (const key of batch.lineOf.keys()) seen.add(key);
    }
    return true;
  }

  copyData(): Buffer {
    if (this.starts.length) Batch.bytesPerLine = this.used / this.starts.length;
    if (!this.superseded.length) return this.data.subarray(0, this.used);
    const skip = new Set(this.superseded);
    const out = Buffer.allocUnsafeSlow(this.used);
    let length = 0;
    for (let line = 0; line < this.starts.length; line++) {
      if (skip.has(line)) continue;
      const end = line + 1 < this.starts.length ? this.starts[line + 1] : this.used;
      length += this.data.copy(out, length, this.starts[line], end);
    }
    return out.subarray(0, length);
  }

  private grow(atLeast: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.data.length * 2, this.used + atLeast));
    this.data.copy(bigger, 0, 0, this.used);
    this.data = bigger;
  }
}
