import { ThrowawayRedis, waitFor } from './support/redis-server';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';

type Session = Awaited<ReturnType<TestApp['login']>>;
interface TypeStats {
  type: string;
  hits: number;
  misses: number;
  loads: number;
}

const CACHED = ['/api/collection/accounts', '/api/component-versions', '/api/accounts/stats', '/api/templates'];

describe('cache degradation and warm-up (e2e, a Redis this test owns)', () => {
  const redisDir = tempDir('ds-cache-redis-');
  let redis: ThrowawayRedis;
  let t: TestApp;
  let admin: Session;
  let user: Session;
  const auth = (s: Session) => ({ authorization: `Bearer ${s.token}` });

  beforeAll(async () => {
    // Persistent, so entries cached before the outage are still there after it (the stale-read trap).
    redis = await ThrowawayRedis.start({ persistDir: redisDir.path });
    t = await createTestApp({ driver: 'postgres', redisUrl: redis.url, env: { CACHE_WARMUP: 'true' } });
    admin = await t.login('admin');
    user = await t.login('normal');
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
    redisDir.remove();
  });

  async function accountStats(): Promise<TypeStats> {
    const res = await t.http().get('/api/system/cache-stats').set(auth(admin)).expect(200);
    return (res.body.types as TypeStats[]).find((s) => s.type === 'accounts')!;
  }

  const createAccount = (shopId: string) =>
    t
      .http()
      .post('/api/collection/accounts')
      .set(auth(admin))
      .send({ platform: 'shopee', shop_id: shopId, name: `Shop ${shopId}` })
      .expect(201);

  it('recomputes the default list in the background after a write, so the next reader hits', async () => {
    const before = await accountStats();
    await createAccount('warm-1');
    await waitFor(async () => (await accountStats()).loads > before.loads, 10_000, 'no warm-up load after a write');
    const mid = await accountStats();
    const res = await t.http().get('/api/collection/accounts').set(auth(user)).expect(200);
    expect(res.body.items.map((i: { shop_id: string }) => i.shop_id)).toContain('warm-1');
    const after = await accountStats();
    expect(after.hits - mid.hits).toBe(1);
    expect(after.misses).toBe(mid.misses);
  });

  it('answers cached routes from PostgreSQL within 1 s while Redis is down, and readiness is 503', async () => {
    const expected = new Map<string, string>();
    for (const path of CACHED) expected.set(path, (await t.http().get(path).set(auth(user)).expect(200)).text);
    await redis.stop();

    for (const path of CACHED) {
      const started = Date.now();
      const res = await t.http().get(path).set(auth(user));
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(res.text).toBe(expected.get(path));
    }
    await t.http().get('/health/ready').expect(503);
    await redis.restart();
    const metrics = await t.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/datasync_cache_requests_total\{type="accounts",result="error"\} [1-9]/);
  });

  it('keeps a write made during the outage visible once Redis is back with its old entries', async () => {
    await waitFor(async () => (await t.http().get('/health/ready')).status === 200, 10_000, 'Redis did not come back');
    await t.http().get('/api/collection/accounts').set(auth(user)).expect(200); // cached, persisted by Redis
    await redis.stop();
    await createAccount('during-outage');
    await redis.restart();
    await hitsResume();
    const res = await t.http().get('/api/collection/accounts').set(auth(user)).expect(200);
    expect(res.body.items.map((i: { shop_id: string }) => i.shop_id)).toContain('during-outage');
  });

  it('serves hits again after Redis returns, without a restart', async () => {
    await redis.stop();
    await t.http().get('/api/collection/accounts?page_size=7').set(auth(user)).expect(200);
    await redis.restart();
    await hitsResume();
  });

  /** Until a repeated read of the accounts type is counted as a hit. */
  function hitsResume(): Promise<void> {
    return waitFor(
      async () => {
        const before = await accountStats().catch(() => undefined);
        await t.http().get('/api/collection/accounts?page_size=7').set(auth(user)).expect(200);
        await t.http().get('/api/collection/accounts?page_size=7').set(auth(user)).expect(200);
        return before !== undefined && (await accountStats()).hits > before.hits;
      },
      15_000,
      'no cache hit after Redis came back',
    );
  }
});
