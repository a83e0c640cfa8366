import { hostname } from 'node:os';
import { Injectable, Logger } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/observability';
import { FileResult, TaskProgress } from '@app/db';
import { PROGRESS_EVENT_INTERVAL_MS } from '../events/task-event';
import { TaskEventsPublisher } from '../events/task-events.publisher';
import { SyncTask, TasksRepository } from '../tasks/tasks.repository';
import { TaskErrorCode } from '../tasks/task-error-code';
import { TemplateLookup } from '../templates/template-lookup';
import { BatchWriter } from './batch-writer';
import { Committed, FileIngester, IngestContext } from './file-ingester';
import { PermanentIngestError, TaskCancelledError, WorkerStoppingError } from './ingest-errors';

const DB_PROGRESS_EVERY_MS = 1_000;
const DONE = new Set(['ingested', 'partial', 'failed']);

export interface RunOptions {
  /** Live progress (the BullMQ job); called after every batch. */
  report(progress: TaskProgress): Promise<void>;
  /** True once the worker is shutting down: stop at the next batch boundary. */
  stopping?(): boolean;
}

export type RunOutcome =
  { status: 'completed' | 'failed'; error: string | null } | { status: 'skipped'; reason: string };

/**
 * Runs one task: every file in order, resuming after files this task already finished. Rows go to one
 * BatchWriter per run: consecutive files share batch transactions (a batch of small files pays a commit per
 * batch of rows, not per file), a file's end commits with its last rows, and one commit runs while the
 * following rows (of the same file or the next ones) are read; commits stay one at a time, in order.
 * A permanent failure of one file is recorded and the batch goes on; the task fails only
 * when no file succeeded. Transient errors propagate so BullMQ retries the job.
 */
@Injectable()
export class SyncTaskRunner {
  private readonly logger = new Logger(SyncTaskRunner.name);
  private readonly workerId = `${hostname()}:${process.pid}`;

  constructor(
    private readonly tasks: TasksRepository,
    private readonly ingester: FileIngester,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly cache: CacheService,
    private readonly events: TaskEventsPublisher,
    private readonly templates: TemplateLookup,
  ) {}

  async run(taskId: string, options: RunOptions): Promise<RunOutcome> {
    const task = await this.tasks.findForWorker(taskId);
    if (!task) throw new PermanentIngestError(TaskErrorCode.TaskNotFound, `task ${taskId} does not exist`);
    if (!(await this.tasks.markActive(taskId))) return { status: 'skipped', reason: `task is ${task.status}` };
    this.events.state(task, 'active', { progress: task.progress });

    const started = Date.now();
    const results: Record<string, FileResult> = { ...task.results };
    const progress = initialProgress(task, results);
    let lastSaved = 0;
    let lastEvent = 0;
    let fileFraction = 0; // share of the current file read so far
    const publish = async (force: boolean): Promise<void> => {
      progress.percent = percentOf(progress, fileFraction);
      await options.report({ ...progress });
      if (Date.now() - lastEvent >= PROGRESS_EVENT_INTERVAL_MS) {
        lastEvent = Date.now();
        this.events.progress(task, { ...progress });
      }
      if (force || Date.now() - lastSaved >= DB_PROGRESS_EVERY_MS) {
        lastSaved = Date.now();
        await this.tasks.saveProgress(taskId, { ...progress });
      }
    };
    await publish(true);

    let filesFinished = 0; // by this run
    const claimed = new Set<number>(); // claimed by this run and not finished yet
    const inProgress = new Map<number, number>(); // rows committed so far of files not finished yet
    const fileDone = (result: FileResult): void => {
      if (result.status === 'failed') this.logger.warn(`task ${taskId}: ${result.error}`);
      results[result.file_id] = result; // already recorded in the task's results, in the commit that ended the file
      claimed.delete(result.file_id);
      inProgress.delete(result.file_id);
      filesFinished++;
      this.metrics.filesIngested.inc({ status: result.status });
      progress.filesDone++;
      progress.rowsTotal += result.rows_total;
    };
    // After each commit, in order: progress, the files it ended, then whether to stop.
    const afterCommit = async (committed: Committed[]): Promise<void> => {
      for (const { segment, result } of committed) {
        const { file, batch } = segment;
        if (result) {
          fileDone(result);
          progress.currentFile = null;
          fileFraction = 0;
        } else {
          inProgress.set(file.id, (inProgress.get(file.id) ?? file.rowsTotal) + batch.size);
          progress.currentFile = file.fileName;
          fileFraction = segment.fraction;
        }
      }
      progress.rowsDone = progress.rowsTotal + [...inProgress.values()].reduce((sum, rows) => sum + rows, 0);
      if (options.stopping?.()) throw new WorkerStoppingError(taskId);
      if (Date.now() - started > this.config.limits.taskTimeoutMs) {
        throw new PermanentIngestError(
          TaskErrorCode.TaskTimeout,
          `task exceeded its time limit of ${this.config.limits.taskTimeoutMs} ms`,
        );
      }
      await publish(false); // the row's copy at most 1 s behind; the live one is the job's
    };
    const writer = new BatchWriter(this.config.worker.batchRows, async (segments) =>
      afterCommit(await this.ingester.commit(segments, taskId)),
    );
    const todo = [...new Set(task.fileIds)].filter((id) => !(results[id] && DONE.has(results[id].status)));
    const claims = this.ingester.claimsFor(taskId, this.workerId, todo, (fileId) => claimed.add(fileId));
    const ctx: IngestContext = { taskId, claims, findTemplate: this.templates.forRun() };
    let completed = false;
    try {
      for (const fileId of todo) {
        // A task no longer active (cancelled) claims nothing more: the ingester throws TaskCancelledError.
        const gone = await this.ingester.ingest(fileId, ctx, writer);
        if (gone) fileDone(gone);
      }
      await writer.drain();
      completed = true;
      await publish(true); // the final figures, which the terminal transition returns
    } catch (error) {
      await writer.settle(); // never leave a commit running behind a failure
      // A cancelled task hands back the files it claimed and did not finish. Otherwise their leases stay, and a
      // redelivered job resumes each after its checkpoint; but files claimed ahead and never started go back
      // at once (unless the worker is stopping: its job comes back at once), so another task is not kept off
      // them meanwhile — two tasks each waiting for a file the other holds.
      if (error instanceof TaskCancelledError) await this.ingester.release([...claimed], taskId);
      else if (!(error instanceof WorkerStoppingError)) await this.ingester.release(claims.unstarted(), taskId);
      throw error;
    } finally {
      // Ingest counts per platform changed: once per run, before the caller makes the task's end visible, so a
      // stats read after completion is fresh; also when the run stops early after finishing files (cancel,
      // transient error). A run handed back because the worker stops leaves it to the redelivered run, which
      // ends with it: no cache call races the shutdown (in the single process, a prefill after the cache store
      // closed reopened a Redis connection that kept the process alive). Between the files of a long task,
      // the stats TTL (1 min) bounds staleness.
      if (completed || (filesFinished > 0 && !options.stopping?.())) await this.cache.invalidate('account_stats');
    }

    const failed = Object.values(results).filter((r) => r.status === 'failed');
    if (failed.length && failed.length === task.fileIds.length) {
      return { status: 'failed', error: failed.map((r) => r.error).join('; ') };
    }
    return {
      status: 'completed',
      error: failed.length
        ? `${failed.length} of ${task.fileIds.length} files failed: ${failed.map((r) => r.error).join('; ')}`
        : null,
    };
  }
}

function initialProgress(task: SyncTask, results: Record<string, FileResult>): TaskProgress {
  const done = Object.values(results).filter((r) => DONE.has(r.status));
  const rows = done.reduce((sum, r) => sum + r.rows_total, 0);
  return {
    filesTotal: task.fileIds.length,
    filesDone: done.length,
    rowsTotal: rows,
    rowsDone: rows,
    percent: 0,
    currentFile: null,
  };
}

/** Whole files done plus the share of the current one read; 100 only once every file is done. */
function percentOf(p: TaskProgress, fileFraction: number): number {
  if (!p.filesTotal) return 100;
  if (p.filesDone >= p.filesTotal) return 100;
  const percent = ((p.filesDone + fileFraction) / p.filesTotal) * 100;
  return Math.min(99.9, Math.round(percent * 10) / 10);
}
