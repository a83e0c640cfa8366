import { access } from 'node:fs/promises';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/observability';
import { FileResult } from '@app/db';
import { CatalogFile, CatalogRepository, FileCounts, toFileResult } from '../catalog/catalog.repository';
import { FindTemplate } from '../templates/template-lookup';
import { FactRowsRepository, FactScope } from './fact-rows.repository';
import { TaskErrorCode } from '../tasks/task-error-code';
import { TasksRepository } from '../tasks/tasks.repository';
import { FileBusyError, LeaseLostError, PermanentIngestError, TaskCancelledError } from './ingest-errors';
import { compareHeaders, openRowSource, RowSource, rowKeyScope, UnreadableFileError } from '@app/parsing';
import { RowPreparer } from './row-preparer';
import { Batch } from './batch';

export interface IngestContext {
  taskId: string;
  workerId: string;
  /** The task run's template lookup (remembers each kind for the run). */
  findTemplate: FindTemplate;
  /** Called after every committed batch with the share of the file read; may throw to stop. */
  onBatch(file: CatalogFile, rowsDone: number, fraction: number): Promise<void>;
}

/** Ingests one catalog file: claim, stream, prepare, bulk upsert per batch, finish. */
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
   * The file's result, recorded in the task's results; a permanent problem with the file (unreadable,
   * header changed, gone from the catalog…) is a failed result. Throws TaskCancelledError when the task is
   * no longer active, FileBusyError when another task holds the file, and transient errors as they come.
   */
  async ingest(fileId: number, ctx: IngestContext): Promise<FileResult> {
    const claim = await this.catalog.claim(fileId, ctx.taskId, ctx.workerId, this.leaseMs);
    if (claim.outcome === 'inactive') throw new TaskCancelledError(ctx.taskId);
    if (claim.outcome === 'missing') return this.recordMissing(fileId, ctx.taskId);
    if (claim.outcome === 'busy') throw new FileBusyError(fileId, claim.holder);
    const { file } = claim;
    try {
      await this.stream(file, ctx);
      return await this.finish(file, ctx.taskId, null);
    } catch (error) {
      // Transient errors and the task's time limit propagate: the lease stays, and a redelivered
      // job resumes after the checkpoint. A permanent problem with this file is its result.
      if (error instanceof TaskCancelledError) await this.catalog.releaseToPending(file.id, ctx.taskId);
      if (!(error instanceof PermanentIngestError) || error.code === TaskErrorCode.TaskTimeout) throw error;
      return this.finish(file, ctx.taskId, error.message);
    }
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

  private async stream(file: CatalogFile, ctx: IngestContext): Promise<void> {
    await access(file.path).catch(() => {
      throw new PermanentIngestError(TaskErrorCode.FileMissing, `${file.fileName}: file is gone from ${file.path}`);
    });
    const template = await ctx.findTemplate(file);
    const source = await openRowSource(file.path, file.format, {
      headerRow: template?.headerRow ?? 1,
      limits: this.config.worker.readLimits,
      encoding: file.textEncoding ?? undefined,
    }).catch((error: unknown) => {
      throw unreadable(file, error);
    });
    try {
      await this.noteHowItReads(file, source);
      if (template) {
        const mismatch = compareHeaders(
          source.headers,
          template.columns.map((c) => c.name),
        );
        if (mismatch) {
          throw new PermanentIngestError(
            TaskErrorCode.HeaderChanged,
            `${file.fileName}: headers differ from the template (added: ${mismatch.added.join(', ') || '—'}; removed: ${mismatch.removed.join(', ') || '—'})`,
            { ...mismatch },
          );
        }
      }
      const scope = scopeOf(file);
      const preparer = new RowPreparer(
        source.headers,
        template,
        file.format === 'xlsx',
        rowKeyScope(scopeParts(scope)),
      );
      await this.writeBatches(file, scope, source, preparer, ctx);
    } finally {
      await source.close();
    }
  }

  /**
   * Streams the rows in batches. One batch commits while the next is read and prepared, so parsing
   * and PostgreSQL overlap; never more than one commit is in flight, so checkpoints stay in order.
   */
  private async writeBatches(
    file: CatalogFile,
    scope: FactScope,
    source: RowSource,
    preparer: RowPreparer,
    ctx: IngestContext,
  ): Promise<void> {
    const batchRows = this.config.worker.batchRows;
    let rowsDone = file.rowsTotal;
    let inFlight: Promise<void> | undefined;
    const flush = async (batch: Batch): Promise<void> => {
      if (inFlight) await inFlight;
      const fraction = fractionOf(source, file);
      inFlight = this.commit(file, scope, batch, ctx).then(async (rows) => {
        rowsDone += rows;
        await ctx.onBatch(file, rowsDone, fraction);
      });
      inFlight.catch(() => undefined); // observed by the next flush or the final await
    };
    let batch = new Batch();
    const lastRow = LAST_ROW[file.format];
    try {
      for await (const row of source.rows) {
        if (row.rowNumber > lastRow) {
          throw new UnreadableFileError(`row number ${row.rowNumber} is beyond the last possible row (${lastRow})`);
        }
        if (row.rowNumber <= file.checkpointRow) continue; // committed by an earlier attempt
        batch.add(row.rowNumber, preparer.prepare(row.values));
        if (batch.size >= batchRows) {
          await flush(batch);
          batch = new Batch();
        }
      }
      if (batch.size) await flush(batch);
      await inFlight;
    } catch (error) {
      await inFlight?.catch(() => undefined); // never leave a commit running behind a failure
      if (error instanceof UnreadableFileError) throw unreadable(file, error);
      throw error;
    }
  }

  /** One transaction: facts, quarantine, counters and checkpoint commit together or not at all. */
  private async commit(file: CatalogFile, scope: FactScope, batch: Batch, ctx: IngestContext): Promise<number> {
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
  private async noteHowItReads(file: CatalogFile, source: RowSource): Promise<void> {
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

/**
 * A sheet has at most 1,048,576 rows; row numbers are stored as int4 (quarantine, checkpoints). A crafted
 * `<row r="2147483648">` once failed the quarantine insert as an internal error.
 */
const LAST_ROW: Record<CatalogFile['format'], number> = { xlsx: 1_048_576, csv: 2_147_483_647 };

function scopeOf(file: CatalogFile): FactScope {
  return {
    fileId: file.id,
    platform: file.platform,
    shopId: file.shopId,
    dataDomain: file.dataDomain,
    subDomain: file.subDomain,
    granularity: file.granularity,
  };
}

/** The columns a row key covers, in the order migration 0001 hashes them. */
function scopeParts(scope: FactScope): string[] {
  return [scope.platform, scope.shopId, scope.dataDomain, scope.subDomain, scope.granularity];
}

/** Share of the file consumed, from bytes read (XLSX: the first sheet's compressed part). */
function fractionOf(source: RowSource, file: CatalogFile): number {
  return file.sizeBytes > 0 ? Math.min(1, source.bytesRead() / file.sizeBytes) : 0;
}

function unreadable(file: CatalogFile, error: unknown): PermanentIngestError {
  if (error instanceof PermanentIngestError) return error;
  return new PermanentIngestError(
    TaskErrorCode.UnreadableFile,
    `${file.fileName}: unreadable ${file.format.toUpperCase()} file (${(error as Error).message})`,
  );
}
