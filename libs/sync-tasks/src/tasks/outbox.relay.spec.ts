import { factory } from '../../../../test/unit/factory';
import { newTestService } from '../../../../test/unit/test-service';
import { OutboxRelay } from './outbox.relay';

describe(OutboxRelay.name, () => {
  function setup() {
    const { sut, mocks } = newTestService(OutboxRelay);
    const [tasks, producer, quota] = mocks;
    const calls: string[] = [];
    quota.hold.mockImplementation((userId, ids) => (calls.push(`hold ${userId} ${ids.join(',')}`), Promise.resolve()));
    quota.release.mockImplementation((userId, id) => (calls.push(`release ${userId} ${id}`), Promise.resolve()));
    producer.enqueueTasks.mockImplementation((jobs) => (calls.push(`enqueue ${jobs.length}`), Promise.resolve(true)));
    tasks.markEnqueued.mockImplementation((ids) => (calls.push(`mark ${ids.join(',')}`), Promise.resolve()));
    tasks.settledAmong.mockResolvedValue([]);
    return { sut, tasks, producer, quota, calls };
  }

  it("holds each user's slots before the jobs exist, so a worker's release cannot come first", async () => {
    const { sut, tasks, calls } = setup();
    const rows = [
      factory.task({ id: 'a', userId: 1 }),
      factory.task({ id: 'b', userId: 2 }),
      factory.task({ id: 'c', userId: 1 }),
    ];
    tasks.unenqueued.mockResolvedValue(rows);

    expect(await sut.drain()).toBe(3);
    expect(calls).toEqual(['hold 1 a,c', 'hold 2 b', 'enqueue 3', 'mark a,b,c']);
  });

  it('gives back the slot of a task that ended between the select and the hold', async () => {
    const { sut, tasks, calls } = setup();
    tasks.unenqueued.mockResolvedValue([factory.task({ id: 'a', userId: 1 }), factory.task({ id: 'b', userId: 1 })]);
    tasks.settledAmong.mockResolvedValue([{ id: 'b', userId: 1 }]);

    await sut.drain();
    expect(calls).toEqual(['hold 1 a,b', 'release 1 b', 'enqueue 2', 'mark a,b']);
  });

  it('keeps the slots and leaves the tasks unmarked while Redis does not take the jobs', async () => {
    const { sut, tasks, producer, calls } = setup();
    tasks.unenqueued.mockResolvedValue([factory.task({ id: 'a', userId: 1 })]);
    producer.enqueueTasks.mockResolvedValue(false);

    expect(await sut.drain()).toBe(0);
    expect(calls).toEqual(['hold 1 a']);
    expect(tasks.markEnqueued).not.toHaveBeenCalled();
  });
});
