/**
 * Phase timing of the ingest pipeline without touching its code: wraps prototype methods in this process
 * only. A batch commits while the next is read and prepared, so the phases overlap in wall time.
 */
import { CacheService } from '@app/cache';
import { CatalogRepository, TasksRepository, TemplatesRepository } from '@app/sync-tasks';
import { FactRowsRepository } from '@app/sync-tasks/ingest/fact-rows.repository';
import { FileIngester } from '@app/sync-tasks/ingest/file-ingester';
import { RowPreparer } from '@app/sync-tasks/ingest/row-preparer';

export interface PhaseTimes {
  /** RowPreparer.prepare: type checks, record JSON, row key (sync CPU). */
  prepareMs: number;
  prepareCalls: number;
  /** FileIngester.commit: the whole batch transaction (BEGIN … COMMIT), including the parts below. */
  commitMs: number;
  commits: number;
  /** FactRowsRepository.upsert: the staging COPY and the merge statement. */
  upsertMs: number;
  recordBatchMs: number;
  /** TasksRepository.saveProgress (throttled to 1/s by the runner). */
  saveProgressMs: number;
  /**
   * FileIngester.ingest: one file from its turn to its finish (batches included), and how many files. A file
   * opened ahead (claimed, first batch read while the previous one commits) spends part of that before its turn.
   */
  fileMs: number;
  files: number;
  /** The calls made once per file (or per file and task step), by `Class.method`: what a small file pays extra. */
  perFileMs: Record<string, number>;
}

/**
 * Methods called around a file's batches (once per file, or per task run) and those that only run on a rare path
 * (`saveFileResult` when the task lost the file, `statusOf` when a batch found its lease gone): what a small
 * file pays extra.
 */
const PER_FILE_CALLS: [object, string, string][] = [
  [CatalogRepository.prototype, 'claimWithNext', 'CatalogRepository.claimWithNext'],
  [TemplatesRepository.prototype, 'findPublished', 'TemplatesRepository.findPublished'],
  [CatalogRepository.prototype, 'recordTextEncoding', 'CatalogRepository.recordTextEncoding'],
  [CatalogRepository.prototype, 'finishAll', 'CatalogRepository.finishAll'],
  [TasksRepository.prototype, 'statusOf', 'TasksRepository.statusOf'],
  [TasksRepository.prototype, 'saveFileResult', 'TasksRepository.saveFileResult'],
  [CacheService.prototype, 'invalidate', 'CacheService.invalidate'],
];

type AnyFn = (...args: unknown[]) => unknown;

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export function installPhaseTimers(): { snapshot(): PhaseTimes } {
  const t: PhaseTimes = {
    prepareMs: 0,
    prepareCalls: 0,
    commitMs: 0,
    commits: 0,
    upsertMs: 0,
    recordBatchMs: 0,
    saveProgressMs: 0,
    fileMs: 0,
    files: 0,
    perFileMs: {},
  };

  wrap(
    RowPreparer.prototype,
    'prepare',
    (original) =>
      function (this: unknown, ...args: unknown[]) {
        const s = now();
        const result = original.apply(this, args);
        t.prepareMs += now() - s;
        t.prepareCalls++;
        return result;
      },
  );
  wrapAsync(FileIngester.prototype, 'commit', (ms) => {
    t.commitMs += ms;
    t.commits++;
  });
  wrapAsync(FactRowsRepository.prototype, 'upsert', (ms) => (t.upsertMs += ms));
  wrapAsync(CatalogRepository.prototype, 'recordBatches', (ms) => (t.recordBatchMs += ms));
  wrapAsync(TasksRepository.prototype, 'saveProgress', (ms) => (t.saveProgressMs += ms));
  wrapAsync(FileIngester.prototype, 'ingest', (ms) => {
    t.fileMs += ms;
    t.files++;
  });
  for (const [target, method, name] of PER_FILE_CALLS) {
    wrapAsync(target, method, (ms) => (t.perFileMs[name] = (t.perFileMs[name] ?? 0) + ms));
  }

  return { snapshot: () => ({ ...t, perFileMs: { ...t.perFileMs } }) };
}

function wrap(target: object, name: string, make: (original: AnyFn) => AnyFn): void {
  const record = target as Record<string, unknown>;
  const original = record[name];
  if (typeof original !== 'function') throw new Error(`cannot instrument ${name}: not a method`);
  record[name] = make(original as AnyFn);
}

function wrapAsync(target: object, name: string, add: (ms: number) => void): void {
  wrap(
    target,
    name,
    (original) =>
      async function (this: unknown, ...args: unknown[]) {
        const s = now();
        try {
          return await original.apply(this, args);
        } finally {
          add(now() - s);
        }
      },
  );
}
