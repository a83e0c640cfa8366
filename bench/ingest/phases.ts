/**
 * Phase timing of the ingest pipeline without touching its code: wraps prototype methods in this process
 * only. A batch commits while the next is read and prepared, so the phases overlap in wall time.
 */
import { CatalogRepository, TasksRepository } from '@app/sync-tasks';
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
}

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
  wrapAsync(CatalogRepository.prototype, 'recordBatch', (ms) => (t.recordBatchMs += ms));
  wrapAsync(TasksRepository.prototype, 'saveProgress', (ms) => (t.saveProgressMs += ms));

  return { snapshot: () => ({ ...t }) };
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
