import { CatalogFile } from '../catalog/catalog.repository';
import { Batch } from './batch';
import { FactScope } from './fact-rows.repository';

/** One file's share of a commit: rows of one batch (maybe none), and whether the file ends with it. */
export interface Segment {
  file: CatalogFile;
  scope: FactScope;
  batch: Batch;
  /** Share of the file read once this segment was (bytes). */
  fraction: number;
  /** The file ends with this segment: `error` null when every row was read, else the problem that ends it. */
  end?: { error: string | null };
}

/**
 * A task run's commits, one at a time and in order: segments (of one file or of several consecutive files)
 * accumulate until they hold a batch's worth of rows, then commit together in one transaction while the
 * following rows are read. A batch of small files thus pays a transaction per batch of rows, not per file.
 * An error of a commit comes out of the next `add`, `flush` or `drain`.
 */
export class BatchWriter {
  private pending: Segment[] = [];
  private rows = 0;
  private inFlight?: Promise<void>;

  constructor(
    private readonly batchRows: number,
    private readonly commit: (segments: Segment[]) => Promise<void>,
  ) {}

  /** Rows the next read may add before the pending segments commit (at least one). */
  room(): number {
    return Math.max(1, this.batchRows - this.rows);
  }

  /** Adds a segment; commits the pending segments once they hold a batch's worth of rows. */
  async add(segment: Segment): Promise<void> {
    // At most one segment with rows per file in a commit: its rows are staged and counted by file.
    const sameFile = (s: Segment) => s.file.id === segment.file.id && s.batch.size > 0;
    if (segment.batch.size && this.pending.some(sameFile)) await this.flush();
    this.pending.push(segment);
    this.rows += segment.batch.size;
    if (this.rows >= this.batchRows) await this.flush();
  }

  /** Starts committing what is pending, after the commit in flight; never more than one commit in flight. */
  async flush(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    if (!this.pending.length) return;
    const segments = this.pending;
    this.pending = [];
    this.rows = 0;
    this.inFlight = this.commit(segments);
    this.inFlight.catch(() => undefined); // observed by the next flush, drain or settle
  }

  /** Commits everything pending and waits for it. */
  async drain(): Promise<void> {
    await this.flush();
    await this.inFlight;
  }

  /** After a failure: waits for the commit in flight, whatever its outcome; what is pending is dropped. */
  async settle(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    this.inFlight = undefined;
    this.pending = [];
    this.rows = 0;
  }
}
