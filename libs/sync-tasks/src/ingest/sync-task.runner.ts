import { hostname } from 'node:os';
import { Injectable, Logger } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/observability';
import { FileResult, TaskProgress } from '@app/db';
import { CatalogFile } from '../catalog/catalog.repository';
import { PROGRESS_EVENT_INTERVAL_MS } from '../events/task-event';
import { TaskEventsPublisher } from '../events/task-events.publisher';
import { SyncTask, TasksRepository } from '../tasks/tasks.repository';
import { TaskErrorCode } from '../tasks/task-error-code';
import { TemplateLookup } from '../templates/template-lookup';
import { FileIngester, Opening, OpenContext } from './file-ingester';
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
 * Runs one task: every file in order, resuming after files this task already finished. The next file is
 * opened (claimed, its first batch read) while the current file's last batch commits, so a batch of small
 * files does not leave PostgreSQL and the reader waiting on each other; commits stay one at a time, in order.
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

    const opener: OpenContext = { taskId, workerId: this.workerId, findTemplate: this.templates.forRun() };
    const todo = [...new Set(task.fileIds)].filter((id) => !(results[id] && DONE.has(results[id].status)));
    let next: Opening | undefined; // the following file, opened while the current one's last batch commits
    let filesFinished = 0; // by this run
    let completed = false;
    try {
      for (const [i, fileId] of todo.entries()) {
        // A task no longer active (cancelled) claims nothing more: the ingester throws TaskCancelledError.
        const opening = next ?? this.ingester.open(fileId, opener);
        next = undefined;
        const rowsBefore = progress.rowsDone;
        const result = await this.ingester.ingest(opening, {
          taskId,
          onReadDone: () => {
            if (i + 1 < todo.length && !options.stopping?.()) next = this.ingester.open(todo[i + 1], opener);
          },
          onBatch: async (file: CatalogFile, rowsDone: number, fraction: number) => {
            if (options.stopping?.()) throw new WorkerStoppingError(taskId);
            if (Date.now() - started > this.config.limits.taskTimeoutMs) {
              throw new PermanentIngestError(
                TaskErrorCode.TaskTimeout,
                `task exceeded its time limit of ${this.config.limits.taskTimeoutMs} ms`,
              );
            }
            progress.currentFile = file.fileName;
            progress.rowsDone = rowsBefore + rowsDone;
            fileFraction = fraction;
            await publish(false);
          },
        });
        if (result.status === 'failed') this.logger.warn(`task ${taskId}: ${result.error}`);
        results[fileId] = result; // already recorded in the task's results by the ingester
        filesFinished++;
        this.metrics.filesIngested.inc({ status: result.status });
        progress.filesDone++;
        progress.rowsDone = rowsBefore + result.rows_total;
        progress.rowsTotal += result.rows_total;
        progress.currentFile = null;
        fileFraction = 0;
        await publish(false); // the row's copy at most 1 s behind, as during a file; the live one is the job's
      }
      completed = true;
      await publish(true); // the final figures, which the terminal transition returns
    } catch (error) {
      if (next) await this.ingester.abandon(next, taskId, error instanceof TaskCancelledError);
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
