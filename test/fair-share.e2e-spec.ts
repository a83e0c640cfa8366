import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { fromBullPriority, SYNC_QUEUE } from '@app/sync-tasks';
import { FairShare } from '../libs/sync-tasks/src/queue/fair-share';
import { TEST_REDIS_URL, uniquePrefix } from './support/test-env';

/** The fair-share rounds on a real Redis and a real BullMQ queue: the order BullMQ will hand jobs out in. */
describe('FairShare (BullMQ priorities shared round-robin across users, real Redis)', () => {
  let redis: Redis;
  let queue: Queue;
  let fair: FairShare;
  let seq = 0;

  beforeEach(() => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    queue = new Queue(SYNC_QUEUE, { connection: redis, prefix: `${uniquePrefix()}:bull` });
    fair = new FairShare(queue, redis);
  });
  afterEach(async () => {
    await queue.obliterate({ force: true });
    await redis.del(...(await redis.keys(`${queue.qualifiedName}:fair:*`)), 'none');
    await queue.close();
    redis.disconnect();
  });

  /** Enqueues as the producer does: rounds first, then the adds; returns the job ids (`u{user}-{n}`). */
  const submit = async (userId: number, count: number, priority = 5): Promise<string[]> => {
    const requests = Array.from({ length: count }, () => ({ userId, priority }));
    const priorities = await fair.bullPriorities(requests);
    const ids = priorities.map(() => `u${userId}-${++seq}`);
    await queue.addBulk(
      ids.map((jobId, i) => ({ name: 'run-task', data: {}, opts: { jobId, priority: priorities[i] } })),
    );
    return ids;
  };
  /** Waiting jobs in the order a worker takes them. */
  const order = async (): Promise<string[]> => (await queue.getPrioritized(0, -1)).map((j: Job) => j.id as string);
  /** What a worker does when it takes the next job: it leaves the waiting set. */
  const take = async (n: number): Promise<string[]> => {
    const next = (await order()).slice(0, n);
    for (const id of next) await queue.remove(id);
    return next;
  };

  it("puts a user's single task behind at most one task of a user with 50 waiting", async () => {
    const a = await submit(1, 50);
    const [b] = await submit(2, 1);
    expect((await order()).slice(0, 3)).toEqual([a[0], b, a[1]]);
  });

  it('interleaves three backlogs round-robin, whatever order they arrived in', async () => {
    const a = await submit(1, 3);
    const b = await submit(2, 3);
    const c = await submit(3, 3);
    expect(await order()).toEqual([a[0], b[0], c[0], a[1], b[1], c[1], a[2], b[2], c[2]]);
  });

  it('starts a newcomer at the round being served, not at round 1 behind the backlog nor ahead of it', async () => {
    const a = await submit(1, 20);
    expect(await take(10)).toEqual(a.slice(0, 10));
    const [b] = await submit(2, 1);
    expect((await order()).slice(0, 2)).toEqual([a[10], b]);
  });

  it('gives a user who keeps one task waiting one turn per round, not every turn', async () => {
    const a = await submit(1, 10);
    const served: string[] = [];
    for (let i = 0; i < 8; i++) {
      // user 2 submits again as soon as its task was taken (a position-in-own-backlog scheme would starve user 1)
      if (!(await order()).some((id) => id.startsWith('u2-'))) await submit(2, 1);
      served.push(...(await take(1)));
    }
    expect(served.filter((id) => id.startsWith('u1-'))).toEqual(a.slice(0, 4));
    expect(served.filter((id) => id.startsWith('u2-'))).toHaveLength(4);
  });

  it('runs any priority-10 task before every priority-5 task, and shares within priority 10 too', async () => {
    const low = await submit(1, 30, 5);
    const urgentA = await submit(1, 2, 10);
    const urgentB = await submit(2, 1, 10);
    const all = await order();
    expect(all.slice(0, 3)).toEqual([urgentA[0], urgentB[0], urgentA[1]]);
    expect(all.slice(3)).toEqual(low);
  });

  it('keeps every priority inside its band: the API level is what the BullMQ priority encodes', async () => {
    const priorities = await fair.bullPriorities(
      Array.from({ length: 10 }, (_, i) => ({ userId: 7, priority: i + 1 })),
    );
    expect(priorities.map((p) => fromBullPriority(p))).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ priority: i + 1, round: 1 })),
    );
    expect(Math.max(...priorities)).toBeLessThan(2 ** 21);
    expect([...priorities].sort((x, y) => y - x)).toEqual(priorities); // 1 → largest, 10 → smallest
  });
});
