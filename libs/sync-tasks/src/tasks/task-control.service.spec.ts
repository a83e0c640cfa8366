import { DomainError } from '@app/common';
import { TaskStatus } from '@app/db';
import { factory } from '../../../../test/unit/factory';
import { newTestService } from '../../../../test/unit/test-service';
import { TaskControlService } from './task-control.service';

const LIVE: TaskStatus[] = ['queued', 'active'];
const FINISHED: TaskStatus[] = ['completed', 'failed', 'cancelled'];
const RETRYABLE: TaskStatus[] = ['failed', 'cancelled'];
const NOT_RETRYABLE: TaskStatus[] = ['queued', 'active', 'completed'];

describe(TaskControlService.name, () => {
  const admin = { kind: 'admin' } as const;

  function setup(status: TaskStatus, userId = 7) {
    const { sut, mocks } = newTestService(TaskControlService);
    const [tasks, catalog, producer, quota, gate, events, cache] = mocks;
    events.state.mockReturnValue(undefined); // fire-and-forget: publishing never fails a control action
    const task = factory.task({ status, userId, fileIds: [11, 12] });
    tasks.findScoped.mockResolvedValue(task);
    // The repository's compare-and-set: only a live task is cancelled; it answers the state it left.
    tasks.cancel.mockResolvedValue(LIVE.includes(status) ? (status as 'queued' | 'active') : undefined);
    tasks.requeue.mockResolvedValue({ ...task, status: 'queued' });
    tasks.markEnqueued.mockResolvedValue(undefined);
    catalog.setStatus.mockImplementation((ids) => Promise.resolve(ids.length)); // every file moved
    producer.removeTask.mockResolvedValue(true);
    producer.enqueueTask.mockResolvedValue(true);
    quota.release.mockResolvedValue(undefined);
    gate.write.mockImplementation((_owner, _id, write) => write());
    cache.invalidate.mockResolvedValue(undefined);
    return { sut, task, tasks, catalog, producer, quota, gate, cache };
  }

  describe('cancel', () => {
    it('removes a queued task from the queue, frees its slot and hands its files back', async () => {
      const { sut, task, producer, quota, catalog, cache } = setup('queued');
      await expect(sut.cancel(task.id, admin)).resolves.toEqual({
        task_id: task.id,
        status: 'cancelled',
        message: 'Removed from the queue',
      });
      expect(producer.removeTask).toHaveBeenCalledWith(task.id);
      expect(quota.release).toHaveBeenCalledWith(task.userId, task.id);
      expect(catalog.setStatus).toHaveBeenCalledWith([11, 12], 'pending', ['queued']);
      expect(cache.invalidate).toHaveBeenCalledWith('account_stats'); // the stats count files by status
    });

    it('leaves the cached stats alone when no file went back to pending (the worker hands back its own)', async () => {
      const { sut, task, catalog, cache } = setup('active');
      catalog.setStatus.mockResolvedValue(0);
      await sut.cancel(task.id, admin);
      expect(cache.invalidate).not.toHaveBeenCalled();
    });

    it('marks an active task cancelled and frees its slot at once, leaving the job to stop at a batch boundary', async () => {
      const { sut, task, producer, quota } = setup('active');
      const result = await sut.cancel(task.id, admin);
      expect(result).toMatchObject({ status: 'cancelled', message: expect.stringContaining('next batch boundary') });
      expect(producer.removeTask).not.toHaveBeenCalled();
      expect(quota.release).toHaveBeenCalledWith(task.userId, task.id);
    });

    it('still answers when Redis cannot drop the queued job (the worker skips a cancelled task)', async () => {
      const { sut, task, producer } = setup('queued');
      producer.removeTask.mockRejectedValue(new Error('Connection is closed.'));
      await expect(sut.cancel(task.id, admin)).resolves.toMatchObject({ status: 'cancelled' });
    });

    it.each(FINISHED)('refuses a %s task with 409 INVALID_STATE and releases nothing', async (status) => {
      const { sut, task, quota, catalog } = setup(status);
      await expect(sut.cancel(task.id, admin)).rejects.toMatchObject({ code: 'INVALID_STATE', details: { status } });
      expect(quota.release).not.toHaveBeenCalled();
      expect(catalog.setStatus).not.toHaveBeenCalled();
    });

    it("answers 404 for a task outside the caller's scope", async () => {
      const { sut, tasks } = setup('queued');
      tasks.findScoped.mockResolvedValue(undefined);
      const error = await sut.cancel(factory.uuid(), { kind: 'user', userId: 99 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: 'NOT_FOUND' });
      expect(tasks.cancel).not.toHaveBeenCalled();
    });
  });

  describe('retry', () => {
    it.each(RETRYABLE)('queues a %s task again under its id, within its quota, and enqueues it', async (status) => {
      const { sut, task, tasks, gate, producer, catalog, cache } = setup(status);
      const owner = factory.owner({ id: task.userId });
      await expect(sut.retry(task.id, admin, owner)).resolves.toEqual({
        task_id: task.id,
        status: 'queued',
        message: 'Queued again',
      });
      expect(gate.write).toHaveBeenCalledWith(owner, task.id, expect.any(Function));
      expect(tasks.requeue).toHaveBeenCalledWith(task.id, undefined);
      expect(catalog.setStatus).toHaveBeenCalledWith([11, 12], 'queued', ['pending', 'failed']);
      expect(cache.invalidate).toHaveBeenCalledWith('account_stats');
      expect(producer.enqueueTask).toHaveBeenCalledWith({
        taskId: task.id,
        userId: task.userId,
        priority: task.priority,
      });
      expect(tasks.markEnqueued).toHaveBeenCalledWith([task.id]);
    });

    it.each(NOT_RETRYABLE)('refuses a %s task with 409 INVALID_STATE', async (status) => {
      const { sut, task, gate } = setup(status);
      await expect(sut.retry(task.id, admin, factory.owner({ id: task.userId }))).rejects.toMatchObject({
        code: 'INVALID_STATE',
        details: { status },
      });
      expect(gate.write).not.toHaveBeenCalled();
    });

    it('refuses while the old job is still in Redis (a cancelled task still stopping)', async () => {
      const { sut, task, producer, gate } = setup('cancelled');
      producer.removeTask.mockResolvedValue(false);
      await expect(sut.retry(task.id, admin, factory.owner({ id: task.userId }))).rejects.toMatchObject({
        code: 'INVALID_STATE',
        message: expect.stringContaining('still stopping'),
      });
      expect(gate.write).not.toHaveBeenCalled();
    });

    it("spends the task owner's quota when an admin retries another user's task", async () => {
      const { sut, task, tasks, gate } = setup('failed', 42);
      tasks.roleOf.mockResolvedValue('premium');
      await sut.retry(task.id, admin, factory.owner({ id: 1, role: 'admin' }));
      expect(gate.write).toHaveBeenCalledWith({ id: 42, role: 'premium' }, task.id, expect.any(Function));
    });

    it('passes the 429 of a full quota through without touching the files or the queue', async () => {
      const { sut, task, gate, producer, catalog } = setup('failed');
      gate.write.mockRejectedValue(new DomainError('QUOTA_EXCEEDED', 'full', {}, 30));
      await expect(sut.retry(task.id, admin, factory.owner({ id: task.userId }))).rejects.toMatchObject({
        code: 'QUOTA_EXCEEDED',
      });
      expect(catalog.setStatus).not.toHaveBeenCalled();
      expect(producer.enqueueTask).not.toHaveBeenCalled();
    });

    it('leaves the task to the outbox when Redis refuses the enqueue', async () => {
      const { sut, task, tasks, producer } = setup('failed');
      producer.enqueueTask.mockResolvedValue(false);
      await expect(sut.retry(task.id, admin, factory.owner({ id: task.userId }))).resolves.toMatchObject({
        status: 'queued',
      });
      expect(tasks.markEnqueued).not.toHaveBeenCalled();
    });

    it('answers 409 when the task changed state between the check and the requeue', async () => {
      const { sut, task, tasks } = setup('failed');
      tasks.requeue.mockResolvedValue(undefined);
      await expect(sut.retry(task.id, admin, factory.owner({ id: task.userId }))).rejects.toMatchObject({
        code: 'INVALID_STATE',
        message: 'The task changed state meanwhile',
      });
    });
  });
});
