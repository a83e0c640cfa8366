import { access } from 'node:fs/promises';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/observability';
import { FileResult } from '@app/db';
import { CatalogFile, CatalogRepository, FileCounts, toFileResult } from '../catalog/catalog.repository';
import { FindTemplate } from '../templates/template-lookup';
import { FactRowsRepository } from './fact-rows.repository';
import { TaskErrorCode } from '../tasks/task-error-code';
import { TasksRepository } from '../tasks/tasks.repository';
import { FileBusyError, LeaseLostError, PermanentIngestError, TaskCancelledError } from './ingest-errors';
import { Batch } from './batch';
import { FileReader } from './file-reader';

/** Who opens a file: the task (whose lease it takes), the worker, and the run's template lookup. */
export interface OpenContext {
  taskId: string;
  workerId: string;
  /** The task run's template lookup (remembers each kind for the run). */
  findTemplate: FindTemplate;
}

export interface IngestContext {
  taskId: string;
  /** Called after every committed batch with the share of the file read; may throw to stop. */
  onBatch(file: CatalogFile, rowsDone: number, fraction: number): Promise<void>;
  /** Called once every row is read and the last batch is committing: the next file may be opened now. */
  onReadDone?(): void;
}

/** A file claimed, its first batch being read (or what stopped it); a file gone from the catalog is its result. */
export type Opening = Promise<FileResult | Claimed>;

interface Claimed {
  file: CatalogFile;
  /** The source open, encoding noted, headers checked and the first batch read; rejects with what failed. */
  reading: Promise<{ reader: FileReader; first: Batch }>;
}

/**
 * Ingests one catalog file: claim, open, stream, prepare, bulk upsert per batch, finish. In two steps, so a task
 * can open its next file (claim it, read its first batch) while the previous file's last batch commits: `open`
 * starts that work and `ingest` carries it on, one commit at a time per task, files in order.
 */
@Injectable()
export class FileIngester {
  private readonly logger = new Logger(FileIngester.name);

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly facts: FactRowsRepository,
    private readonly tasks: TasksRepository,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  private get leaseMs(): number {
    return this.config.worker.lockMs * 2;
  }

  /**
   * Claims the file and starts reading it; nothing is committed but the claim. Rejects (when `ingest` or
   * `abandon` awaits it) with TaskCancelledError when the task is no longer active, FileBusyError when another
   * task holds the file, and transient errors as they come.
   */
  open(fileId: number, ctx: OpenContext): Opening {
    const opening = (async (): Promise<FileResult | Claimed> => {
      const claim = await this.catalog.claim(fileId, ctx.taskId, ctx.workerId, this.leaseMs);
      if (claim.outcome === 'inactive') throw new TaskCancelledError(ctx.taskId);
      if (claim.outcome === 'missing') return this.recordMissing(fileId, ctx.taskId);
      if (claim.outcome === 'busy') throw new FileBusyError(fileId, claim.holder);
      const reading = this.startReading(claim.file, ctx);
      reading.catch(() => undefined); // observed by ingest or abandon
      return { file: claim.file, reading };
    })();
    opening.catch(() => undefined); // observed by ingest or abandon
    return opening;
  }

  /**
   * The opened file's result, recorded in the task's results; a permanent problem with the file (unreadable,
   * header changed, gone from the catalog…) is a failed result. Throws what `open` rejected with, and
   * transient errors as they come.
   */
  async ingest(opening: Opening, ctx: IngestContext): Promise<FileResult> {
    const claimed = await opening;
    if (!('reading' in claimed)) return claimed;
    const { file } = claimed;
    try {
      const { reader, first } = await claimed.reading;
      try {
        await this.writeBatches(reader, first, ctx);
      } finally {
        await reader.close();
      }
      return await this.finish(file, ctx.taskId, null);
    } catch (error) {
      // Transient errors and the task's time limit propagate: the lease stays, and a redelivered
      // job resumes after the checkpoint. A permanent problem with this file is its result.
      if (error instanceof TaskCancelledError) await this.catalog.releaseToPending(file.id, ctx.taskId);
      if (!(error instanceof PermanentIngestError) || error.code === TaskErrorCode.TaskTimeout) throw error;
      return this.finish(file, ctx.taskId, error.message);
    }
  }

  /**
   * An opened file the task will not ingest now (it stopped on the previous file): its source is closed; its
   * claim stays for the redelivered job to resume, unless the task was cancelled, which hands the file back.
   * Never throws.
   */
  async abandon(opening: Opening, taskId: string, cancelled: boolean): Promise<void> {
    const claimed = await opening.catch(() => undefined);
    if (!claimed || !('reading' in claimed)) return;
    const reading = await claimed.reading.catch(() => undefined);
    await reading?.reader.close().catch(() => undefined);
    if (!cancelled) return;
    await this.catalog.releaseToPending(claimed.file.id, taskId).catch((error: Error) => {
      this.logger.warn(`${claimed.file.fileName}: not handed back after the cancel: ${error.message}`);
    });
  }

  /** Final status and the task's result in one statement; if the task lost the file meanwhile, the claim-time row. */
  private async finish(file: CatalogFile, taskId: string, error: string | null): Promise<FileResult> {
    const finished = await this.catalog.finish(file.id, taskId, error);
    if (finished) return toFileResult(finished);
    const result = toFileResult(file);
    await this.tasks.saveFileResult(taskId, result);
    return result;
  }

  private async recordMissing(fileId: number, taskId: string): Promise<FileResult> {
    const result: FileResult = {
      file_id: fileId,
      file_name: '',
      status: 'failed',
      rows_total: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      quarantined: 0,
      error: `file ${fileId} is not in the catalog`,
    };
    await this.tasks.saveFileResult(taskId, result);
    return result;
  }

  /** Opens the claimed file, notes how it reads, checks its headers and reads its first batch. */
  private async startReading(file: CatalogFile, ctx: OpenContext): Promise<{ reader: FileReader; first: Batch }> {
    await access(file.path).catch(() => {
      throw new PermanentIngestError(TaskErrorCode.FileMissing, `${file.fileName}: file is gone from ${file.path}`);
    });
    const template = await ctx.findTemplate(file);
    const reader = await FileReader.open(file, template, this.config.worker);
    try {
      await this.noteHowItReads(reader);
      reader.checkHeaders();
      return { reader, first: await reader.next() };
    } catch (error) {
      await reader.close();
      throw error;
    }
  }

  /**
   * Commits the file's batches in order. One batch commits while the next is read and prepared, so parsing
   * and PostgreSQL overlap; never more than one commit is in flight, so checkpoints stay in order.
   */
  private async writeBatches(reader: FileReader, first: Batch, ctx: IngestContext): Promise<void> {
    const { file } = reader;
    let rowsDone = file.rowsTotal;
    let inFlight: Promise<void> | undefined;
    const flush = async (batch: Batch): Promise<void> => {
      if (inFlight) await inFlight;
      const fraction = reader.fraction();
      inFlight = this.commit(reader, batch, ctx).then(async (rows) => {
        rowsDone += rows;
        await ctx.onBatch(file, rowsDone, fraction);
      });
      inFlight.catch(() => undefined); // observed by the next flush or the final await
    };
    try {
      for (let batch = first; ; batch = await reader.next()) {
        if (batch.size) await flush(batch);
        if (reader.exhausted) break;
      }
      ctx.onReadDone?.();
      await inFlight;
    } catch (error) {
      await inFlight?.catch(() => undefined); // never leave a commit running behind a failure
      throw error;
    }
  }

  /** One transaction: facts, quarantine, counters and checkpoint commit together or not at all. */
  private async commit(reader: FileReader, batch: Batch, ctx: IngestContext): Promise<number> {
    const { file, scope } = reader;
    const lines = batch.copyData();
    let counts: FileCounts | undefined;
    await this.facts.transaction(async (tx, copyIn) => {
      const { inserted, updated } = await this.facts.upsert(tx, copyIn, scope, lines);
      await this.facts.quarantine(tx, file.id, ctx.taskId, batch.quarantined);
      counts = {
        rowsTotal: batch.size,
        inserted,
        updated,
        unchanged: batch.facts - inserted - updated,
        quarantined: batch.quarantined.length,
      };
      if (!(await this.catalog.recordBatch(tx, file.id, ctx.taskId, batch.lastRow, counts, this.leaseMs))) {
        // Rolls the batch back: either the task was cancelled, or the lease was lost (transient).
        if ((await this.tasks.statusOf(ctx.taskId)) === 'cancelled') throw new TaskCancelledError(ctx.taskId);
        throw new LeaseLostError(file.id, ctx.taskId);
      }
    });
    if (counts) this.recordRows(counts);
    return batch.size;
  }

  /** Records the CSV encoding read, and says when blank lines before the header were skipped. */
  private async noteHowItReads({ file, source }: FileReader): Promise<void> {
    if (source.encoding && source.encoding !== file.textEncoding) {
      await this.catalog.recordTextEncoding(file.id, source.encoding);
    }
    if (source.leadingBlankRows > 0) {
      this.logger.log(`${file.fileName}: skipped ${source.leadingBlankRows} blank line(s) before the header row`);
    }
  }

  /** Committed rows by result, for `datasync_ingest_rows_total`. */
  private recordRows({ inserted, updated, unchanged, quarantined }: FileCounts): void {
    const rows = this.metrics.rowsIngested;
    rows.inc({ result: 'inserted' }, inserted);
    rows.inc({ result: 'updated' }, updated);
    rows.inc({ result: 'unchanged' }, unchanged);
    rows.inc({ result: 'quarantined' }, quarantined);
  }
}
