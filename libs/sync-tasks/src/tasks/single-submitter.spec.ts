import { DomainError } from '@app/common';
import { Tx } from '@app/db';
import { factory } from '../../../../test/unit/factory';
import { newTestService } from '../../../../test/unit/test-service';
import { QueuedSingle, QueuedSingles } from './tasks.repository';
import { IdempotencyKeyTaken, SingleSubmitter } from './single-submitter';

const FILES = new Map([
  [1, 'a.csv'],
  [2, 'b.csv'],
]);

/** The repository's answer when these rows went in and each moved its file to `queued`. */
const insertedAll = (rows: QueuedSingle[], queuedFiles = rows.length): Promise<QueuedSingles> =>
  Promise.resolve({ inserted: new Set(rows.map((r) => r.id)), queuedFiles });

describe(SingleSubmitter.name, () => {
  const tx = {} as Tx;

  function setup() {
    const { sut, mocks } = newTestService(SingleSubmitter);
    const [tasks, catalog, producer, quota, gate, events, cache] = mocks;
    events.queued.mockReturnValue(undefined); // fire-and-forget: publishing never fails a submission
    catalog.fileNames.mockImplementation((ids) =>
      Promise.resolve(new Map(ids.filter((id) => FILES.has(id)).map((id) => [id, FILES.get(id) ?? '']))),
    );
    // By default: every claim reserved, every row inserted, the jobs added.
    quota.admit.mockImplementation((claims) => Promise.resolve(claims.map(() => ({ outcome: 'reserved' as const }))));
    quota.release.mockResolvedValue(undefined);
    tasks.insertQueuedSingles.mockImplementation((rows: QueuedSingle[]) => insertedAll(rows));
    tasks.markEnqueued.mockResolvedValue(undefined);
    tasks.unmarkEnqueued.mockResolvedValue(undefined);
    producer.enqueueTasks.mockResolvedValue(true);
    gate.writeUnchecked.mockImplementation((_owner, write) => write(tx));
    cache.invalidate.mockResolvedValue(undefined);
    return { sut, tasks, catalog, producer, quota, gate, cache };
  }

  /** Submissions made in one event-loop turn: they share one batch. */
  const together = (sut: SingleSubmitter, requests: { fileId: number; key?: string }[]) => {
    const owner = factory.owner();
    return Promise.allSettled(
      requests.map(({ fileId, key }) => sut.submit(factory.submission({ owner, idempotencyKey: key }), fileId)),
    );
  };

  it('answers each request of a batch with its own 202, sharing one lookup, one reservation and one insert', async () => {
    const { sut, catalog, quota, tasks, producer } = setup();
    const [a, b] = await together(sut, [{ fileId: 1 }, { fileId: 2 }]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { status: 'queued', file_id: 1, file_name: 'a.csv' } });
    expect(b).toMatchObject({ status: 'fulfilled', value: { status: 'queued', file_id: 2, enqueued: true } });
    for (const fn of [catalog.fileNames, quota.admit, tasks.insertQueuedSingles, producer.enqueueTasks])
      expect(fn).toHaveBeenCalledTimes(1);
    expect(tasks.insertQueuedSingles.mock.calls[0][0]).toHaveLength(2);
  });

  it('invalidates the cached stats once per batch, before answering, when files moved to queued', async () => {
    const { sut, cache } = setup();
    let invalidated!: () => void;
    cache.invalidate.mockReturnValue(new Promise<void>((resolve) => (invalidated = resolve)));
    let answered = false;
    const answers = together(sut, [{ fileId: 1 }, { fileId: 2 }]).finally(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cache.invalidate).toHaveBeenCalledTimes(1);
    expect(cache.invalidate).toHaveBeenCalledWith('account_stats');
    expect(answered).toBe(false);
    invalidated();
    expect((await answers).map((a) => a.status)).toEqual(['fulfilled', 'fulfilled']);
  });

  it('leaves the cached stats alone when no file changed status (all already queued or processing)', async () => {
    const { sut, tasks, cache } = setup();
    tasks.insertQueuedSingles.mockImplementation((rows) => insertedAll(rows, 0));
    const [a] = await together(sut, [{ fileId: 1 }]);
    expect(a.status).toBe('fulfilled');
    expect(cache.invalidate).not.toHaveBeenCalled();
  });

  it('answers an unknown file with 404 before taking any quota for it', async () => {
    const { sut, quota } = setup();
    const [known, unknown] = await together(sut, [{ fileId: 1 }, { fileId: 404 }]);
    expect(known.status).toBe('fulfilled');
    expect(unknown).toMatchObject({ status: 'rejected', reason: { code: 'NOT_FOUND' } });
    expect(quota.admit.mock.calls[0][0]).toHaveLength(1);
  });

  it('answers a refused claim with its 429 and still accepts the others', async () => {
    const { sut, quota, tasks } = setup();
    const refusal = new DomainError('QUOTA_EXCEEDED', 'full', {}, 30);
    quota.admit.mockResolvedValue([{ outcome: 'reserved' }, { outcome: 'refused', error: refusal }]);
    const [accepted, refused] = await together(sut, [{ fileId: 1 }, { fileId: 2 }]);
    expect(accepted.status).toBe('fulfilled');
    expect(refused).toEqual({ status: 'rejected', reason: refusal });
    expect(tasks.insertQueuedSingles.mock.calls[0][0].map((t) => t.fileId)).toEqual([1]);
  });

  it('gives back the slot of a task whose Idempotency-Key another submission took, and says so', async () => {
    const { sut, tasks, quota } = setup();
    tasks.insertQueuedSingles.mockImplementation((rows) => insertedAll([rows[0]]));
    const [first, raced] = await together(sut, [{ fileId: 1 }, { fileId: 2, key: 'k-1' }]);
    expect(first.status).toBe('fulfilled');
    expect(raced).toMatchObject({ status: 'rejected', reason: expect.any(IdempotencyKeyTaken) });
    expect(quota.release).toHaveBeenCalledTimes(1);
  });

  it('retries the insert one by one when the shared statement fails, failing only the bad row', async () => {
    const { sut, tasks, quota } = setup();
    const bad = new Error('insert or update violates foreign key constraint');
    // The shared statement fails; alone, file 1's row goes in and file 2's fails again.
    tasks.insertQueuedSingles.mockImplementation((rows) =>
      rows.length > 1 || rows[0].fileId === 2 ? Promise.reject(bad) : insertedAll(rows),
    );
    const [ok, failed] = await together(sut, [{ fileId: 1 }, { fileId: 2 }]);
    expect(ok.status).toBe('fulfilled');
    expect(failed).toEqual({ status: 'rejected', reason: bad });
    expect(quota.release).toHaveBeenCalledTimes(1);
  });

  it('accepts with enqueued: false and hands the tasks to the outbox when the add fails', async () => {
    const { sut, producer, tasks } = setup();
    producer.enqueueTasks.mockResolvedValue(false);
    const [a, b] = await together(sut, [{ fileId: 1 }, { fileId: 2 }]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { enqueued: false } });
    expect(b).toMatchObject({ status: 'fulfilled', value: { enqueued: false } });
    expect(tasks.unmarkEnqueued).toHaveBeenCalledWith(expect.arrayContaining([expect.any(String)]));
    expect(tasks.unmarkEnqueued.mock.calls[0][0]).toHaveLength(2);
  });

  it('lets PostgreSQL decide each quota when Redis does not answer, inserting without marking enqueued', async () => {
    const { sut, quota, gate, tasks, producer } = setup();
    quota.admit.mockImplementation((claims) => Promise.resolve(claims.map(() => ({ outcome: 'unchecked' as const }))));
    producer.enqueueTasks.mockResolvedValue(false);
    const [a, b] = await together(sut, [{ fileId: 1 }, { fileId: 2 }]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { enqueued: false } });
    expect(b).toMatchObject({ status: 'fulfilled', value: { enqueued: false } });
    expect(gate.writeUnchecked).toHaveBeenCalledTimes(2);
    expect(tasks.insertQueuedSingles).toHaveBeenCalledWith([expect.objectContaining({ fileId: 1 })], false, tx);
    expect(tasks.markEnqueued).not.toHaveBeenCalled();
  });

  it('answers 429 from the PostgreSQL fallback to that request only', async () => {
    const { sut, quota, gate } = setup();
    quota.admit.mockImplementation((claims) => Promise.resolve(claims.map(() => ({ outcome: 'unchecked' as const }))));
    gate.writeUnchecked
      .mockImplementationOnce((_owner, write) => write(tx))
      .mockRejectedValueOnce(new DomainError('QUOTA_EXCEEDED', 'full', {}, 30));
    const [a, b] = await together(sut, [{ fileId: 1 }, { fileId: 2 }]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'QUOTA_EXCEEDED' } });
  });
});
