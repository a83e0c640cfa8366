import { access } from 'node:fs/promises';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/observability';
import { FileResult, Tx } from '@app/db';
import { CatalogFile, CatalogRepository, FileCounts, toFileResult } from '../catalog/catalog.repository';
import { FindTemplate } from '../templates/template-lookup';
import { FactRowsRepository } from './fact-rows.repository';
import { TaskErrorCode } from '../tasks/task-error-code';
import { TasksRepository } from '../tasks/tasks.repository';
import { FileBusyError, LeaseLostError, PermanentIngestError, TaskCancelledError } from './ingest-errors';
import { Batch } from './batch';
import { BatchWriter, Segment } from './batch-writer';
import { FileReader, scopeOf } from './file-reader';
import { RunClaims } from './run-claims';

/** Who ingests a file: the task, the run's claims (which take the leases) and its template lookup. */
export interface IngestContext {
  taskId: string;
  claims: RunClaims;
  /** The task run's template lookup (remembers each kind for the run). */
  findTemplate: FindTemplate;
}

/** A committed segment, with the file's result when the file ended with it. */
export interface Committed {
  segment: Segment;
  result?: FileResult;
}

/**
 * Ingests catalog files: claim, open, stream, prepare, and hand the rows as segments to the task run's
 * BatchWriter, which commits them (with the file's end) in batch transactions shared by consecutive files.
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
   * Claims the file and reads it into `writer`, its last segment ending the file: as ingested, or as failed for
   * a permanent problem with the file (unreadable, header changed, gone from disk…), the result committing with
   * it. Resolves with the result at once only for a file gone from the catalog. Throws TaskCancelledError when
   * the task is no longer active, FileBusyError when another task holds the file, the task's time limit, and
   * transient errors (a commit's included) as they come; the lease then stays for a redelivered job to resume.
   */
  async ingest(fileId: number, ctx: IngestContext, writer: BatchWriter): Promise<FileResult | undefined> {
    const claim = await ctx.claims.take(fileId);
    if (claim.outcome === 'inactive') throw new TaskCancelledError(ctx.taskId);
    if (claim.outcome === 'missing') return this.recordMissing(fileId, ctx.taskId);
    if (claim.outcome === 'busy') throw new FileBusyError(fileId, claim.holder);
    const { file } = claim;
    const opened = await permanentAsValue(() => this.startReading(file, ctx, writer.room()));
    if (opened instanceof PermanentIngestError) {
      await writer.add({
        file,
        scope: scopeOf(file),
        batch: new Batch(file.id),
        fraction: 0,
        end: { error: opened.message },
      });
      return undefined;
    }
    const { reader } = opened;
    try {
      for (let batch: Batch | PermanentIngestError = opened.first; ;) {
        if (batch instanceof PermanentIngestError) {
          await writer.add({
            file,
            scope: reader.scope,
            batch: new Batch(file.id),
            fraction: 0,
            end: { error: batch.message },
          });
          return undefined;
        }
        const end = reader.exhausted ? { error: null } : undefined;
        await writer.add({ file, scope: reader.scope, batch, fraction: reader.fraction(), end });
        if (end) return undefined;
        batch = await permanentAsValue(() => reader.next(writer.room()));
      }
    } finally {
      await reader.close();
    }
  }

  /**
   * One transaction for the segments of one or more files, in order: facts, quarantine, counters and checkpoint
   * of the files with rows, and the final status of each file that ends, commit together or not at all. The
   * catalog rows are written by one statement for all the files with rows, and one for all those that end.
   */
  async commit(segments: Segment[], taskId: string): Promise<Committed[]> {
    const withRows = segments.filter((s) => s.batch.size);
    const counts: FileCounts[] = [];
    const finished = await this.facts.transaction(async (tx, copyIn) => {
      const upserted = await this.facts.upsert(
        tx,
        copyIn,
        withRows.map((s) => ({ scope: s.scope, lines: s.batch.copyData() })),
        keysDisjoint(withRows),
      );
      const batches = withRows.map(({ file, batch }, i) => {
        const { inserted, updated } = upserted[i];
        const c = {
          rowsTotal: batch.size,
          inserted,
          updated,
          unchanged: batch.facts - inserted - updated,
          quarantined: batch.quarantined.length,
        };
        counts.push(c);
        return { fileId: file.id, checkpointRow: batch.lastRow, counts: c };
      });
      for (const { file, batch } of withRows) await this.facts.quarantine(tx, file.id, taskId, batch.quarantined);
      const recorded = await this.catalog.recordBatches(tx, taskId, batches, this.leaseMs);
      const lost = batches.find((b) => !recorded.has(b.fileId));
      if (lost) {
        // Rolls the batch back: either the task was cancelled, or the lease was lost (transient).
        if ((await this.tasks.statusOf(taskId, tx)) === 'cancelled') throw new TaskCancelledError(taskId);
        throw new LeaseLostError(lost.fileId, taskId);
      }
      return this.finish(segments, taskId, tx);
    });
    for (const c of counts) this.recordRows(c);
    return segments.map((segment) => ({ segment, result: segment.end ? finished.get(segment.file.id) : undefined }));
  }

  /**
   * A task run's claims, in the run's file `order`. `onClaimed`: the file ends with a commit of this run, or
   * is handed back if the task is cancelled.
   */
  claimsFor(taskId: string, workerId: string, order: number[], onClaimed: (fileId: number) => void): RunClaims {
    return new RunClaims(this.catalog, order, { taskId, workerId, leaseMs: this.leaseMs }, onClaimed);
  }

  /** Hands claimed files back (after a cancel, or unstarted): pending, lease and checkpoint cleared. Never throws. */
  async release(fileIds: number[], taskId: string): Promise<void> {
    await this.catalog.releaseToPending(fileIds, taskId).catch((error: Error) => {
      this.logger.warn(`files ${fileIds.join(', ')}: not handed back: ${error.message}`);
    });
  }

  /**
   * Final status and the task's result of the files that end, in one statement; for a file the task lost
   * meanwhile, the claim-time row. A cancelled task finishes nothing more (a file claimed ahead may end
   * without rows, so without the batch's lease check).
   */
  private async finish(segments: Segment[], taskId: string, tx: Tx): Promise<Map<number, FileResult>> {
    const ending = segments.filter((s) => s.end);
    const ends = ending.map((s) => ({ fileId: s.file.id, error: s.end?.error ?? null }));
    const results = new Map((await this.catalog.finishAll(taskId, ends, tx)).map((f) => [f.id, toFileResult(f)]));
    if (results.size < ending.length && (await this.tasks.statusOf(taskId, tx)) === 'cancelled') {
      throw new TaskCancelledError(taskId);
    }
    for (const { file } of ending) {
      if (results.has(file.id)) continue;
      const result = toFileResult(file);
      await this.tasks.saveFileResult(taskId, result, tx);
      results.set(file.id, result);
    }
    return results;
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

  /** Opens the claimed file, notes how it reads, checks its headers and reads its first rows (up to `rows`). */
  private async startReading(
    file: CatalogFile,
    ctx: IngestContext,
    rows: number,
  ): Promise<{ reader: FileReader; first: Batch }> {
    await access(file.path).catch(() => {
      throw new PermanentIngestError(TaskErrorCode.FileMissing, `${file.fileName}: file is gone from ${file.path}`);
    });
    const template = await ctx.findTemplate(file);
    const reader = await FileReader.open(file, template, this.config.worker);
    try {
      await this.noteHowItReads(reader);
      reader.checkHeaders();
      return { reader, first: await reader.next(rows) };
    } catch (error) {
      await reader.close();
      throw error;
    }
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

/**
 * A permanent problem with the file (not the task's time limit) as a value: it ends the file as failed.
 * Everything else is thrown.
 */
async function permanentAsValue<T>(work: () => Promise<T>): Promise<T | PermanentIngestError> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PermanentIngestError && error.code !== TaskErrorCode.TaskTimeout) return error;
    throw error;
  }
}

/**
 * True when no row key occurs in two of the segments. A row key hashes its scope (platform, shop, domain,
 * sub-domain, granularity), so only segments of one scope are compared.
 */
function keysDisjoint(segments: Segment[]): boolean {
  const byScope = new Map<string, Batch[]>();
  for (const { scope, batch } of segments) {
    const key = [scope.platform, scope.shopId, scope.dataDomain, scope.subDomain, scope.granularity].join('\u001f');
    byScope.set(key, [...(byScope.get(key) ?? []), batch]);
  }
  return [...byScope.values()].every((batches) => Batch.disjoint(batches));
}
