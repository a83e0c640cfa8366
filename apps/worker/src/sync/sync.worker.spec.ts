import { DelayedError, UnrecoverableError } from 'bullmq';
import { MetricsService } from '@app/observability';
import {
  FileBusyError,
  LeaseLostError,
  PermanentIngestError,
  RunOutcome,
  TaskCancelledError,
  TaskErrorCode,
  WorkerStoppingError,
} from '@app/sync-tasks';
import { factory } from '../../../../test/unit/factory';
import { newTestService } from '../../../../test/unit/test-service';
import { SyncWorker } from './sync.worker';

const TOKEN = 'lock-token';

describe(SyncWorker.name, () => {
  function setup() {
    const { sut, mocks } = newTestService(SyncWorker, { 0: factory.config(), 6: new MetricsService() });
    const [, runner, tasks, quota, , , , events] = mocks;
    events.state.mockReturnValue(undefined); // fire-and-forget: publishing never changes an outcome
    tasks.finish.mockResolvedValue({ userId: 3, progress: null });
    quota.release.mockResolvedValue(undefined);
    return { sut, runner, tasks, quota };
  }

  const ran = (outcome: RunOutcome) => {
    const s = setup();
    s.runner.run.mockResolvedValue(outcome);
    return s;
  };
  const threw = (error: unknown) => {
    const s = setup();
    s.runner.run.mockRejectedValue(error);
    return s;
  };

  describe('a run that returns', () => {
    it('completes the task and releases its quota slot', async () => {
      const { sut, tasks, quota } = ran({ status: 'completed', error: null });
      const job = factory.job();
      await expect(sut.process(job, TOKEN)).resolves.toEqual({ status: 'completed', error: null });
      expect(tasks.finish).toHaveBeenCalledWith(job.data.taskId, 'completed', null);
      expect(quota.release).toHaveBeenCalledWith(3, job.data.taskId);
    });

    it.each([
      ['every file failed', 'failed', TaskErrorCode.FilesFailed],
      ['some files failed', 'completed', TaskErrorCode.SomeFilesFailed],
    ] as const)('records %s as %s with %s', async (_case, status, code) => {
      const { sut, tasks } = ran({ status, error: 'x.csv: headers differ' });
      const job = factory.job();
      await sut.process(job, TOKEN);
      expect(tasks.finish).toHaveBeenCalledWith(job.data.taskId, status, { message: 'x.csv: headers differ', code });
    });

    it('records nothing for a task that was no longer queued', async () => {
      const { sut, tasks, quota } = ran({ status: 'skipped', reason: 'task is cancelled' });
      await sut.process(factory.job(), TOKEN);
      expect(tasks.finish).not.toHaveBeenCalled();
      expect(quota.release).not.toHaveBeenCalled();
    });

    it('does not release the slot twice when the task was already terminal', async () => {
      const { sut, tasks, quota } = ran({ status: 'completed', error: null });
      tasks.finish.mockResolvedValue(undefined);
      await sut.process(factory.job(), TOKEN);
      expect(quota.release).not.toHaveBeenCalled();
    });
  });

  describe('a run that throws', () => {
    it('ends a cancelled task quietly (the API already released its slot)', async () => {
      const { sut, tasks, quota } = threw(new TaskCancelledError('t'));
      await expect(sut.process(factory.job(), TOKEN)).resolves.toEqual({ status: 'cancelled' });
      expect(tasks.finish).not.toHaveBeenCalled();
      expect(quota.release).not.toHaveBeenCalled();
    });

    it.each([
      ['a busy file, after a second', new FileBusyError(1, 'other'), 1_000],
      ['a stopping worker, at once', new WorkerStoppingError('t'), 0],
    ])('hands the job back for %s without using an attempt', async (_case, error, delayMs) => {
      const { sut, tasks } = threw(error);
      const job = factory.job();
      const before = Date.now();
      await expect(sut.process(job, TOKEN)).rejects.toBeInstanceOf(DelayedError);
      const [until, token] = job.moveToDelayed.mock.calls[0] as unknown as [number, string];
      expect(token).toBe(TOKEN);
      expect(until).toBeGreaterThanOrEqual(before + delayMs);
      expect(until).toBeLessThan(before + delayMs + 1_000);
      expect(tasks.finish).not.toHaveBeenCalled();
    });

    it.each([
      ['a lost lease', new LeaseLostError(1, 't')],
      ['a deadlock', Object.assign(new Error('deadlock detected'), { code: '40P01' })],
    ])('rethrows %s for BullMQ to retry while attempts remain', async (_case, error) => {
      const { sut, tasks } = threw(error);
      await expect(sut.process(factory.job({ attemptsMade: 1, attempts: 5 }), TOKEN)).rejects.toBe(error);
      expect(tasks.finish).not.toHaveBeenCalled();
    });

    it.each([
      ['a transient error on the last attempt', new LeaseLostError(1, 't'), TaskErrorCode.RetriesExhausted],
      ['a permanent error', new PermanentIngestError(TaskErrorCode.TaskTimeout, 'too long'), TaskErrorCode.TaskTimeout],
      ['an unexpected error', new TypeError('x is undefined'), TaskErrorCode.Internal],
    ])('fails the task at once on %s, with its code', async (_case, error, code) => {
      const { sut, tasks, quota } = threw(error);
      const job = factory.job({ attemptsMade: 4, attempts: 5 });
      await expect(sut.process(job, TOKEN)).rejects.toBeInstanceOf(UnrecoverableError);
      expect(tasks.finish).toHaveBeenCalledWith(job.data.taskId, 'failed', { message: error.message, code });
      expect(quota.release).toHaveBeenCalledWith(3, job.data.taskId);
    });
  });

  it('fails a job with an unknown name permanently instead of dropping it', async () => {
    const { sut, runner } = setup();
    await expect(sut.process(factory.job({ name: 'no-such-job' }), TOKEN)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(runner.run).not.toHaveBeenCalled();
  });
});
