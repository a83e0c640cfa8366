import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import { AuthService } from '@app/auth';
import { Role } from '@app/db';
import { TasksRepository } from '@app/sync-tasks';
import { ThrowawayRedis, waitFor } from './support/redis-server';
import { createTestApp, TestApp } from './support/test-app';
import { uniquePrefix } from './support/test-env';

/**
 * App-level rate limits (docs/api.md#rate-limits) on the real API, real Redis and PostgreSQL, with limits lowered
 * from their defaults through the environment. Users sign in through AuthService, not the login route, so the setup
 * does not spend the auth class's per-IP budget; each test uses its own users or client addresses.
 */
const PASSWORD = 'correct-horse-battery';
let seq = 0;

async function signIn(
  t: TestApp,
  role: Role,
): Promise<{ token: string; refresh: string; id: number; username: string }> {
  const username = `rl-${role}-${process.pid}-${++seq}`;
  const auth = t.app.get(AuthService);
  const user = await auth.createUser(username, PASSWORD, role);
  const pair = await auth.login(username, PASSWORD);
  return { token: pair.access_token, refresh: pair.refresh_token, id: user.id, username };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** An empty filtered batch: a data-sync write that answers 202 and queues nothing. */
const emptyBatch = { platform: 'no-such-platform' };

function rateHeaders(res: request.Response) {
  return {
    limit: res.headers['x-ratelimit-limit'],
    remaining: res.headers['x-ratelimit-remaining'],
    reset: Number(res.headers['x-ratelimit-reset']),
  };
}

function expectRateLimited(res: request.Response, details: Record<string, unknown>): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({
    statusCode: 429,
    error: 'Too Many Requests',
    code: 'RATE_LIMITED',
    message: expect.stringMatching(/^Rate limit exceeded/),
    details: {
      limit_name: expect.any(String),
      window_seconds: 60,
      retry_after_seconds: expect.any(Number),
      ...details,
    },
    requestId: expect.any(String),
  });
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.body.details.retry_after_seconds).toBe(retryAfter);
  expect(res.headers['x-ratelimit-limit']).toBe(String(details.limit));
  expect(res.headers['x-ratelimit-remaining']).toBe('0');
  expect(Number(res.headers['x-ratelimit-reset'])).toBe(retryAfter);
}

describe('rate limits (e2e, PostgreSQL + Redis)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      driver: 'postgres',
      defaultRateLimits: true,
      env: {
        RATE_LIMIT_NORMAL_READ: '5',
        RATE_LIMIT_NORMAL_DATA_SYNC: '3',
        RATE_LIMIT_PREMIUM_DATA_SYNC: '4',
        RATE_LIMIT_ADMIN_DATA_SYNC: '6',
        RATE_LIMIT_ANONYMOUS_AUTH: '20',
        RATE_LIMIT_ANONYMOUS_DEFAULT: '1',
        RATE_LIMIT_LOGIN_FAILURES_PER_USER: '8',
        RATE_LIMIT_REFRESH_PER_FAMILY: '3',
      },
    });
  });
  afterAll(() => t.close());

  it('admits exactly 3 data-sync writes a minute for a normal user, then 429 with the error body and headers', async () => {
    const { token } = await signIn(t, 'normal');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.http().post('/api/data-sync/batch').set(bearer(token)).send(emptyBatch);
      statuses.push(res.status);
      expect(rateHeaders(res)).toEqual({ limit: '3', remaining: String(2 - i), reset: expect.any(Number) });
      expect(rateHeaders(res).reset).toBeGreaterThanOrEqual(1);
      expect(rateHeaders(res).reset).toBeLessThanOrEqual(60);
    }
    expect(statuses).toEqual([202, 202, 202]);
    const refused = await t.http().post('/api/data-sync/batch').set(bearer(token)).send(emptyBatch);
    expectRateLimited(refused, {
      limit_name: 'data_sync_per_user',
      tier: 'normal',
      endpoint_class: 'data_sync',
      limit: 3,
    });
    // Cancel and retry are data-sync writes too: refused before the handler looks the task up.
    const cancel = await t.http().delete(`/api/data-sync/cancel-task/${randomUUID()}`).set(bearer(token));
    expect(cancel.status).toBe(429);
  });

  it.each([
    ['premium', 4],
    ['admin', 6],
  ] as const)('gives a %s user its own tier limit of %i data-sync writes', async (role, limit) => {
    const { token } = await signIn(t, role);
    const statuses: number[] = [];
    for (let i = 0; i <= limit; i++) {
      statuses.push((await t.http().post('/api/data-sync/batch').set(bearer(token)).send(emptyBatch)).status);
    }
    expect(statuses).toEqual([...Array<number>(limit).fill(202), 429]);
  });

  it('counts each endpoint class and each user separately', async () => {
    const alice = await signIn(t, 'normal');
    const bob = await signIn(t, 'normal');
    for (let i = 0; i < 3; i++) {
      await t.http().post('/api/data-sync/batch').set(bearer(alice.token)).send(emptyBatch).expect(202);
    }
    await t.http().post('/api/data-sync/batch').set(bearer(alice.token)).send(emptyBatch).expect(429);
    // Alice's reads are a different class; Bob, from the same address, has his own counters.
    const read = await t.http().get('/api/data-sync/tasks').set(bearer(alice.token)).expect(200);
    expect(rateHeaders(read)).toMatchObject({ limit: '5', remaining: '4' });
    await t.http().post('/api/data-sync/batch').set(bearer(bob.token)).send(emptyBatch).expect(202);
  });

  it('admits exactly 5 reads a minute for a normal user (limit lowered from 1,200)', async () => {
    const { token } = await signIn(t, 'normal');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await t.http().get('/api/auth/me').set(bearer(token))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  const loginFrom = (ip: string, username: string, password = PASSWORD) =>
    t.http().post('/api/auth/login').set(from(ip)).send({ username, password });

  it('lets 6 colleagues behind one office address log in within a minute', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => signIn(t, 'normal')));
    const statuses: number[] = [];
    for (const { username } of users) statuses.push((await loginFrom('203.0.113.10', username)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('refuses the 6th wrong password for one username from one address, while a colleague there still logs in', async () => {
    const victim = await signIn(t, 'normal');
    const colleague = await signIn(t, 'normal');
    const statuses: number[] = [];
    let refused: request.Response | undefined;
    for (let i = 0; i < 10; i++) {
      const res = await loginFrom('203.0.113.11', victim.username, 'wrong-password');
      statuses.push(res.status);
      refused ??= res.status === 429 ? res : undefined;
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    expect(refused?.body).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit_name: 'login_failures_per_ip', limit: 5, window_seconds: 900 },
    });
    const retryAfter = Number(refused?.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(60);
    expect(retryAfter).toBeLessThanOrEqual(900);
    // Even the right password waits: the pair is locked, not just wrong guesses.
    await loginFrom('203.0.113.11', victim.username).expect(429);
    await loginFrom('203.0.113.11', colleague.username).expect(200);
    // The same user from another address is not locked out.
    await loginFrom('203.0.113.12', victim.username).expect(200);
  });

  it('does not count successful logins, and a success clears the failures of that address', async () => {
    const { username } = await signIn(t, 'normal');
    for (let i = 0; i < 3; i++) await loginFrom('203.0.113.13', username, 'wrong-password').expect(401);
    await loginFrom('203.0.113.13', username).expect(200);
    for (let i = 0; i < 5; i++) await loginFrom('203.0.113.13', username, 'wrong-password').expect(401);
    await loginFrom('203.0.113.13', username, 'wrong-password').expect(429);
  });

  it('slows guessing across addresses without locking out an address that never failed', async () => {
    const { username } = await signIn(t, 'normal');
    // 8 failures (the lowered per-username bound) from 4 addresses.
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']) {
      for (let i = 0; i < 2; i++) await loginFrom(ip, username, 'wrong-password').expect(401);
    }
    const again = await loginFrom('198.51.100.1', username, 'wrong-password');
    expect(again.status).toBe(429);
    expect(again.body.details).toMatchObject({ limit_name: 'login_failures_per_user', limit: 8 });
    // A new address gets one try, then it has failed too.
    await loginFrom('198.51.100.5', username, 'wrong-password').expect(401);
    await loginFrom('198.51.100.5', username, 'wrong-password').expect(429);
    // The owner, from an address that never failed, logs in.
    await loginFrom('198.51.100.6', username).expect(200);
  });

  it('stops a flood of auth calls from one address at the per-address ceiling', async () => {
    const { username } = await signIn(t, 'normal');
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await loginFrom('203.0.113.14', username)).status);
    expect(statuses.slice(0, 20)).toEqual(Array<number>(20).fill(200));
    expect(statuses[20]).toBe(429);
    expectRateLimited(await loginFrom('203.0.113.14', username), {
      limit_name: 'auth_per_ip',
      tier: 'anonymous',
      endpoint_class: 'auth',
      limit: 20,
    });
  });

  it('limits refreshes per token family, not per address', async () => {
    const { refresh } = await signIn(t, 'normal');
    let token = refresh;
    for (let i = 0; i < 3; i++) {
      const res = await t
        .http()
        .post('/api/auth/refresh')
        .set(from(`203.0.113.${30 + i}`))
        .send({ refresh_token: token })
        .expect(200);
      token = res.body.refresh_token as string;
    }
    const refused = await t.http().post('/api/auth/refresh').set(from('203.0.113.40')).send({ refresh_token: token });
    expect(refused.status).toBe(429);
    expect(refused.body.details).toMatchObject({ limit_name: 'refresh_per_token_family', limit: 3 });
    // Another login is another family.
    const other = await signIn(t, 'normal');
    await t
      .http()
      .post('/api/auth/refresh')
      .set(from('203.0.113.40'))
      .send({ refresh_token: other.refresh })
      .expect(200);
  });

  it('never limits health probes, nor marks them with rate-limit headers', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await t.http().get('/health/live').set('x-forwarded-for', '203.0.113.20').expect(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('reports tier, limits and what is left on GET /rate-limit/my-info, consistent with /auth/me', async () => {
    const { token } = await signIn(t, 'normal');
    await t.http().post('/api/data-sync/batch').set(bearer(token)).send(emptyBatch).expect(202);
    await t.http().post('/api/data-sync/batch').set(bearer(token)).send(emptyBatch).expect(202);
    const me = await t.http().get('/api/auth/me').set(bearer(token)).expect(200);
    const res = await t.http().get('/api/rate-limit/my-info').set(bearer(token)).expect(200);
    expect(res.body).toEqual({
      tier: 'normal',
      enabled: true,
      window_seconds: 60,
      store: 'redis',
      limits: { read: 5, default: 60, data_sync: 3, auth: 60 },
      remaining: { read: 3, default: 60, data_sync: 1, auth: 60 }, // /auth/me and this request are reads
      reset_seconds: { read: expect.any(Number), default: 0, data_sync: expect.any(Number), auth: 0 },
    });
    expect(res.body.tier).toBe(me.body.rate_limit_tier);
    expect(res.body.reset_seconds.data_sync).toBeGreaterThanOrEqual(1);
    expect(res.body.reset_seconds.data_sync).toBeLessThanOrEqual(60);
    expect(rateHeaders(res)).toMatchObject({ limit: '5', remaining: '3' });
    await t.http().get('/api/rate-limit/my-info').expect(401);
  });

  it('shows the default limits (docs/api.md) where the environment does not override them', async () => {
    const { token } = await signIn(t, 'premium');
    const res = await t.http().get('/api/rate-limit/my-info').set(bearer(token)).expect(200);
    expect(res.body).toMatchObject({
      tier: 'premium',
      limits: { read: 2400, default: 100, data_sync: 4, auth: 60 },
      remaining: { read: 2399, default: 100, data_sync: 4, auth: 60 },
    });
  });
});

describe('rate limits shared by two API instances on one Redis (e2e)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = { REDIS_PREFIX: uniquePrefix(), RATE_LIMIT_NORMAL_READ: '4' };
    // PostgreSQL starts faster than PGlite on a loaded machine (two PGlite apps overran the 60 s hook there).
    a = await createTestApp({ driver: 'postgres', defaultRateLimits: true, env });
    b = await createTestApp({ driver: 'postgres', defaultRateLimits: true, env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('counts one user across both instances: 4 requests spread over them, then 429 on either', async () => {
    // Same JWT secret on both: the token from one instance is valid on the other.
    const { token } = await signIn(a, 'normal');
    const me = (t: TestApp) => t.http().get('/api/auth/me').set(bearer(token));
    const statuses = [(await me(a)).status, (await me(b)).status, (await me(a)).status, (await me(b)).status];
    expect(statuses).toEqual([200, 200, 200, 200]);
    await me(a).expect(429);
    await me(b).expect(429);
  });
});

describe('RATE_LIMIT_ENABLED=false (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      driver: 'postgres',
      defaultRateLimits: true,
      env: { RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_NORMAL_READ: '2' },
    });
  });
  afterAll(() => t.close());

  it('counts and refuses nothing, and says so on my-info', async () => {
    const { token } = await signIn(t, 'normal');
    for (let i = 0; i < 5; i++) {
      const res = await t.http().get('/api/auth/me').set(bearer(token)).expect(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    const info = await t.http().get('/api/rate-limit/my-info').set(bearer(token)).expect(200);
    expect(info.body).toMatchObject({ enabled: false, limits: { read: 2 }, remaining: { read: 2 } });
  });
});

describe('rate limits while Redis is down (e2e, a Redis this test owns)', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;
  let probe: Redis;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await createTestApp({
      driver: 'pglite',
      redisUrl: redis.url,
      defaultRateLimits: true,
      env: { RATE_LIMIT_NORMAL_READ: '3' },
    });
    probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    probe.on('error', () => undefined);
  });
  afterAll(async () => {
    probe?.disconnect();
    redis?.resume();
    await t?.close();
    await redis?.stop();
  });

  it('answers within the command timeout when Redis hangs, limiting per process', async () => {
    const { token } = await signIn(t, 'normal');
    redis.pause();
    try {
      const started = Date.now();
      await t.http().get('/api/auth/me').set(bearer(token)).expect(200);
      expect(Date.now() - started).toBeLessThan(3_000); // the shared client's 1 s command timeout, not a hang
      const quick = Date.now();
      await t.http().get('/api/auth/me').set(bearer(token)).expect(200);
      await t.http().get('/api/auth/me').set(bearer(token)).expect(200);
      expect(Date.now() - quick).toBeLessThan(1_000); // later requests skip the hung Redis
      await t.http().get('/api/auth/me').set(bearer(token)).expect(429);
    } finally {
      redis.resume();
    }
  });

  it('limits per process while Redis is stopped, and counts in Redis again once it is back', async () => {
    const { token, id } = await signIn(t, 'normal');
    await redis.stop();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.http().get('/api/auth/me').set(bearer(token))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const info = await t.http().get('/api/rate-limit/my-info').set(bearer(token)).expect(429);
    expect(info.headers['retry-after']).toBeDefined();

    await redis.restart();
    const other = await signIn(t, 'premium');
    const key = `${t.config.redis.prefix}:ratelimit:read:user:${other.id}`;
    await probe.connect();
    // Once the app's client has reconnected, a request is counted in Redis, shared by every replica.
    await waitFor(
      async () => {
        await t.http().get('/api/auth/me').set(bearer(other.token)).expect(200);
        return (await probe.get(key)) !== null;
      },
      10_000,
      'requests were not counted in Redis again after it came back',
    );
    const mine = await t.http().get('/api/rate-limit/my-info').set(bearer(other.token)).expect(200);
    expect(mine.body).toMatchObject({ tier: 'premium', store: 'redis' });
    expect(id).not.toBe(other.id);
  });
});

describe('a frontend polling its tasks (e2e, window scaled from 60 s to 6 s, limits scaled with it)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // 1,200 reads a minute for a normal user (the default) is 120 per 6 s: the same rate.
    t = await createTestApp({
      driver: 'pglite',
      defaultRateLimits: true,
      env: { RATE_LIMIT_WINDOW_S: '6', RATE_LIMIT_NORMAL_READ: '120' },
    });
  });
  afterAll(() => t.close());

  it('never refuses a normal user polling 10 own tasks once a second (12 s = 2 minutes at the default window)', async () => {
    const { token, id } = await signIn(t, 'normal');
    const tasks = t.app.get(TasksRepository);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const task = await tasks.insert({
        id: randomUUID(),
        userId: id,
        kind: 'single',
        fileIds: [],
        enqueuedAt: new Date(),
      });
      ids.push(task.id);
    }
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const started = Date.now();
    for (let second = 0; Date.now() - started < 12_000; second++) {
      const tick = Date.now();
      // Each task's status, as a page that follows tasks one by one does, plus the one-call list.
      const replies = await Promise.all([
        ...ids.map((taskId) => t.http().get(`/api/data-sync/task-status/${taskId}`).set(bearer(token))),
        t
          .http()
          .get(`/api/data-sync/tasks?ids=${ids.join(',')}`)
          .set(bearer(token)),
      ]);
      for (const res of replies) count(res.status);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1_000 - (Date.now() - tick))));
    }
    expect([...statuses.keys()]).toEqual([200]);
    expect(statuses.get(200)).toBeGreaterThanOrEqual(11 * 10);
  });
});

describe('client addresses behind proxies (e2e, TRUST_PROXY)', () => {
  let untrusting: TestApp;
  let trusting: TestApp;

  beforeAll(async () => {
    // The test client connects from 127.0.0.1: not in 10.0.0.0/8, so its X-Forwarded-For is not believed.
    untrusting = await createTestApp({
      driver: 'postgres',
      defaultRateLimits: true,
      env: { TRUST_PROXY: '10.0.0.0/8' },
    });
    trusting = await createTestApp({ driver: 'postgres', defaultRateLimits: true, env: { TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => {
    await untrusting?.close();
    await trusting?.close();
  });

  const guess = (t: TestApp, username: string, ip: string) =>
    t.http().post('/api/auth/login').set('x-forwarded-for', ip).send({ username, password: 'wrong-password' });

  it('ignores a spoofed X-Forwarded-For from an untrusted peer: rotating it does not evade the login limit', async () => {
    const { username } = await signIn(untrusting, 'normal');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await guess(untrusting, username, `192.0.2.${i + 1}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  it('honours X-Forwarded-For from a trusted peer: each client address has its own failures', async () => {
    const { username } = await signIn(trusting, 'normal');
    for (let i = 0; i < 5; i++) await guess(trusting, username, '192.0.2.50').expect(401);
    await guess(trusting, username, '192.0.2.50').expect(429);
    await guess(trusting, username, '192.0.2.51').expect(401);
  });
});
