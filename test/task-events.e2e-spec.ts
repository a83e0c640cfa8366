import { AddressInfo } from 'node:net';
import { NGINX_MISSING, startDevNginx } from './support/nginx';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { SseClient } from './support/sse-client';
import { upload, waitForTask } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';
import { findTool } from './support/tools';
import { waitFor } from './support/wait-for';
import Redis from 'ioredis';
import { REDIS_CLIENT } from '@app/redis';
import { decodeTaskEvent, TaskEventsPublisher, taskEventsKey } from '@app/sync-tasks';

type Session = Awaited<ReturnType<TestApp['login']>>;
interface Event {
  type: 'state' | 'progress';
  task_id: string;
  user_id: number;
  status: string;
  progress: { rowsDone: number; filesDone: number; percent: number } | null;
  at: string;
}
const bearer = (s: Session) => ({ authorization: `Bearer ${s.token}` });

/**
 * GET /api/data-sync/events on the real API with a worker in the same process: events come from the
 * worker and the API through the Redis stream, as they do across replicas.
 */
describe('task events over Server-Sent Events (e2e, PostgreSQL + Redis, real ingest)', () => {
  const dir = tempDir('ds-events-');
  let t: TestApp;
  let base: string;
  let alice: Session;
  let bob: Session;
  let admin: Session;
  let shop = 0;
  const open: SseClient[] = [];

  beforeAll(async () => {
    t = await createTestApp({
      driver: 'postgres',
      withWorker: true,
      env: { INGEST_BATCH_ROWS: '500', SSE_HEARTBEAT_MS: '300', SSE_MAX_STREAMS_PER_USER: '3' },
    });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    await installSampleTemplates(t);
    [alice, bob, admin] = [await t.login('normal'), await t.login('normal'), await t.login('admin')];
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await t?.close();
    dir.remove();
  });

  async function follow(who: Session, query = '', headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await SseClient.open(`${base}/api/data-sync/events${query}`, { ...bearer(who), ...headers });
    open.push(client);
    return client;
  }

  async function submitFile(who: Session, rows: number): Promise<string> {
    const spec = {
      ...sampleSpec({ platform: 'tiktok', domain: 'orders', shopId: 'tt_5002' }, rows + shop),
      shopId: `ev_${++shop}`,
    };
    const { path, meta } = await writeSample(dir.path, spec);
    const fileId = (await upload(t, who.token, path, meta).expect(201)).body.id as number;
    const res = await t.http().post('/api/data-sync/single').set(bearer(who)).send({ file_id: fileId }).expect(202);
    return res.body.task_id as string;
  }

  const of = (client: SseClient, taskId: string) => client.json<Event>().filter((e) => e.task_id === taskId);
  const states = (client: SseClient, taskId: string) =>
    of(client, taskId)
      .filter((e) => e.type === 'state')
      .map((e) => e.status);
  const finished = (client: SseClient, taskId: string) => () =>
    states(client, taskId).some((s) => ['completed', 'failed', 'cancelled'].includes(s));

  it('delivers queued → active → progress → completed for a real ingest, each event with an id', async () => {
    const stream = await follow(alice);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect(stream.headers['x-ratelimit-limit']).toBeDefined(); // the connection is counted once, as a read
    const taskId = await submitFile(alice, 20_000);
    await stream.waitFor(finished(stream, taskId), 60_000, 'terminal state');

    const events = of(stream, taskId);
    expect(states(stream, taskId)).toEqual(['queued', 'active', 'completed']);
    const types = events.map((e) => (e.type === 'state' ? e.status : 'progress'));
    expect(types[0]).toBe('queued');
    expect(types[1]).toBe('active');
    expect(types.at(-1)).toBe('completed');
    expect(types.slice(2, -1).length).toBeGreaterThanOrEqual(1);
    expect(new Set(types.slice(2, -1))).toEqual(new Set(['progress']));
    const completed = events.at(-1)!;
    expect(completed).toMatchObject({ user_id: alice.userId, progress: { filesDone: 1, percent: 100 } });
    // Ids increase; progress is throttled to at most 2 per second per task.
    const ids = events.map((e) => e._id!);
    expect([...ids].sort(compareIds)).toEqual(ids);
    const progressTimes = events.filter((e) => e.type === 'progress').map((e) => Date.parse(e.at));
    for (let i = 1; i < progressTimes.length; i++) {
      expect(progressTimes[i] - progressTimes[i - 1]).toBeGreaterThanOrEqual(490);
    }
  });

  it('resumes from Last-Event-ID after a dropped connection without losing a state change', async () => {
    const first = await follow(alice);
    const taskId = await submitFile(alice, 3_000);
    await first.waitFor(() => states(first, taskId).includes('queued'), 30_000, 'queued');
    const lastId = first.events.at(-1)!.id!;
    first.close(); // dropped: what happens now must come back on resume
    await waitForTask(t, alice.token, taskId);

    const resumed = await follow(alice, '', { 'last-event-id': lastId });
    await resumed.waitFor(finished(resumed, taskId), 30_000, 'terminal state after resume');
    const replayed = of(resumed, taskId);
    expect(replayed.map((e) => e.status)).not.toContain('queued'); // nothing before the id again
    expect(states(resumed, taskId)).toEqual(['active', 'completed']);
    expect(replayed.every((e) => compareIds(e._id!, lastId) > 0)).toBe(true);
  });

  it("shows nothing of another user's tasks; admins see all, or one user with ?user_id=", async () => {
    const bobs = await follow(bob);
    const admins = await follow(admin);
    const onlyAlice = await follow(admin, `?user_id=${alice.userId}`);
    const aliceTask = await submitFile(alice, 500);
    const bobTask = await submitFile(bob, 500);
    await bobs.waitFor(finished(bobs, bobTask), 30_000, "bob's own task");
    await admins.waitFor(() => finished(admins, aliceTask)() && finished(admins, bobTask)(), 30_000, 'both tasks');
    await onlyAlice.waitFor(finished(onlyAlice, aliceTask), 30_000, "alice's task");
    // Bob's stream and the filtered admin stream were open throughout both tasks.
    expect(bobs.json<Event>().every((e) => e.user_id === bob.userId)).toBe(true);
    expect(of(bobs, aliceTask)).toEqual([]);
    expect(onlyAlice.json<Event>().every((e) => e.user_id === alice.userId)).toBe(true);
    expect(of(onlyAlice, bobTask)).toEqual([]);

    const forbidden = await follow(bob, `?user_id=${alice.userId}`);
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.body)).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
  });

  it('sends a heartbeat comment on an idle stream', async () => {
    const stream = await follow(bob);
    await stream.waitFor((c) => c.comments.includes('heartbeat'), 10_000, 'heartbeat');
  });

  it('refuses more open streams than SSE_MAX_STREAMS_PER_USER with 429, and frees a slot on disconnect', async () => {
    const user = await t.login('normal');
    const streams = [await follow(user), await follow(user), await follow(user)];
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await follow(user);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(JSON.parse(refused.body)).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit_name: 'event_streams_per_user', limit: 3 },
    });
    streams[0].close();
    const deadline = Date.now() + 10_000;
    let again = await follow(user);
    while (again.status === 429 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await follow(user);
    }
    expect(again.status).toBe(200);
  });

  it('works through the real Nginx (nginx.dev.conf): events arrive as they happen, not when the stream ends', async () => {
    const nginx = findTool('nginx');
    if (!nginx) throw new Error(NGINX_MISSING);
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    const proxy = await startDevNginx(nginx, port);
    try {
      const stream = await SseClient.open(`http://127.0.0.1:${proxy.port}/api/data-sync/events`, bearer(alice));
      open.push(stream);
      expect(stream.status).toBe(200);
      const taskId = await submitFile(alice, 1_000);
      await stream.waitFor(finished(stream, taskId), 30_000, 'terminal state through nginx');
      expect(states(stream, taskId)).toEqual(['queued', 'active', 'completed']);
      expect(stream.ended).toBe(false); // still open: each event was passed on as it came
      stream.close();
    } finally {
      await proxy.stop();
    }
  });

  it('answers 400 for a Last-Event-ID that is not an event id', async () => {
    const bad = await follow(alice, '', { 'last-event-id': 'nope' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });
});

describe('task event history in Redis (e2e)', () => {
  it('keeps at most about TASK_EVENTS_MAX_ENTRIES events, however many are published within the retention', async () => {
    const t = await createTestApp({ driver: 'postgres', env: { TASK_EVENTS_MAX_ENTRIES: '1000' } });
    try {
      const publisher = t.app.get(TaskEventsPublisher);
      const redis = t.app.get<Redis>(REDIS_CLIENT);
      const key = taskEventsKey(t.config.redis.prefix);
      for (let batch = 0; batch < 30; batch++) {
        publisher.queued(Array.from({ length: 100 }, (_, i) => ({ id: `task-${batch}-${i}`, userId: 1 })));
      }
      // Fire and forget: wait until the last batch landed, then the trim that followed it.
      const newest = await waitFor(
        async () => decodeTaskEvent(...((await redis.xrevrange(key, '+', '-', 'COUNT', 1))[0] ?? ['0-0', []])),
        (e) => e?.event.task_id === 'task-29-99',
        { what: 'the last published event' },
      );
      expect(newest?.event).toMatchObject({ status: 'queued', progress: null, error: null });
      const length = await redis.xlen(key);
      expect(length).toBeGreaterThanOrEqual(1_000);
      expect(length).toBeLessThan(1_200); // `~` trims whole stream nodes (100 entries by default)
    } finally {
      await t.close();
    }
  });
});

describe('task event streams at shutdown (e2e)', () => {
  it('ends open streams when the app closes, without holding up the shutdown', async () => {
    const t = await createTestApp({ driver: 'postgres' });
    await t.app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const user = await t.login('normal');
    const streams = await Promise.all(
      [0, 1].map(() => SseClient.open(`${base}/api/data-sync/events`, { authorization: `Bearer ${user.token}` })),
    );
    expect(streams.map((s) => s.status)).toEqual([200, 200]);
    const started = Date.now();
    await t.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    await streams[0].waitFor((c) => c.ended, 5_000, 'end of stream');
    await streams[1].waitFor((c) => c.ended, 5_000, 'end of stream');
  });
});

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am > bm ? 1 : -1;
}
