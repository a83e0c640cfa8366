import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import { AuthService } from '@app/auth';
import { Role } from '@app/db';
import { ThrowawayRedis, waitFor } from './support/redis-server';
import { createTestApp, TestApp } from './support/test-app';
import { uniquePrefix } from './support/test-env';

/**
 * App-level rate limits (design §5) on the real API, real Redis and PostgreSQL, with limits lowered
 * from the design's defaults through the environment. Users sign in through AuthService, not the login route, so the setup
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
    details: { window_seconds: 60, retry_after_seconds: expect.any(Number), ...details },
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
      designRateLimits: true,
      env: {
        RATE_LIMIT_NORMAL_DEFAULT: '5',
        RATE_LIMIT_NORMAL_DATA_SYNC: '3',
        RATE_LIMIT_PREMIUM_DATA_SYNC: '4',
        RATE_LIMIT_ADMIN_DATA_SYNC: '6',
        RATE_LIMIT_ANONYMOUS_AUTH: '2',
        RATE_LIMIT_ANONYMOUS_DEFAULT: '1',
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
    expectRateLimited(refused, { tier: 'normal', endpoint_class: 'data_sync', limit: 3 });
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

  it('admits exactly 5 default-class requests a minute for a normal user', async () => {
    const { token } = await signIn(t, 'normal');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await t.http().get('/api/auth/me').set(bearer(token))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('counts anonymous logins and refreshes per client address in the auth class', async () => {
    const { username, refresh } = await signIn(t, 'normal');
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const login = (ip: string) => t.http().post('/api/auth/login').set(from(ip)).send({ username, password: PASSWORD });

    await login('203.0.113.7').expect(200);
    await t.http().post('/api/auth/refresh').set(from('203.0.113.7')).send({ refresh_token: refresh }).expect(200);
    const refused = await login('203.0.113.7');
    expectRateLimited(refused, { tier: 'anonymous', endpoint_class: 'auth', limit: 2 });
    // A wrong password is counted too: a brute force is refused before the password is checked.
    await t
      .http()
      .post('/api/auth/login')
      .set(from('203.0.113.8'))
      .send({ username, password: 'nope-nope' })
      .expect(401);
    await t
      .http()
      .post('/api/auth/login')
      .set(from('203.0.113.8'))
      .send({ username, password: 'nope-nope' })
      .expect(401);
    await login('203.0.113.8').expect(429);
    // Another address has its own budget.
    await login('203.0.113.9').expect(200);
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
      limits: { default: 5, data_sync: 3, auth: 5 },
      remaining: { default: 3, data_sync: 1, auth: 5 }, // /auth/me and this request are default-class
      reset_seconds: { default: expect.any(Number), data_sync: expect.any(Number), auth: 0 },
    });
    expect(res.body.tier).toBe(me.body.rate_limit_tier);
    expect(res.body.reset_seconds.data_sync).toBeGreaterThanOrEqual(1);
    expect(res.body.reset_seconds.data_sync).toBeLessThanOrEqual(60);
    expect(rateHeaders(res)).toMatchObject({ limit: '5', remaining: '3' });
    await t.http().get('/api/rate-limit/my-info').expect(401);
  });

  it("shows the design's defaults for the limits the environment does not override", async () => {
    const { token } = await signIn(t, 'premium');
    const res = await t.http().get('/api/rate-limit/my-info').set(bearer(token)).expect(200);
    expect(res.body).toMatchObject({
      tier: 'premium',
      limits: { default: 100, data_sync: 4, auth: 10 },
      remaining: { default: 99, data_sync: 4, auth: 10 },
    });
  });
});

describe('rate limits shared by two API instances on one Redis (e2e)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = { REDIS_PREFIX: uniquePrefix(), RATE_LIMIT_NORMAL_DEFAULT: '4' };
    a = await createTestApp({ driver: 'pglite', designRateLimits: true, env });
    b = await createTestApp({ driver: 'pglite', designRateLimits: true, env });
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
      driver: 'pglite',
      designRateLimits: true,
      env: { RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_NORMAL_DEFAULT: '2' },
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
    expect(info.body).toMatchObject({ enabled: false, limits: { default: 2 }, remaining: { default: 2 } });
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
      designRateLimits: true,
      env: { RATE_LIMIT_NORMAL_DEFAULT: '3' },
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
    const key = `${t.config.redis.prefix}:ratelimit:default:user:${other.id}`;
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
