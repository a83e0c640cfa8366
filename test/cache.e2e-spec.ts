import { AccountsRepository } from '../apps/api/src/accounts/accounts.repository';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { syncFile, upload } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';

type Session = Awaited<ReturnType<TestApp['login']>>;
interface TypeStats {
  type: string;
  hits: number;
  local_hits: number;
  misses: number;
  loads: number;
  errors: number;
  invalidations: number;
  generation: number;
  keys: number;
}

/**
 * Two API instances (each with its own Nest container, Redis clients, cache store and in-flight map)
 * on one PostgreSQL database and one Redis prefix: what two replicas share. `a` also runs the worker.
 */
describe('cache (e2e, PostgreSQL + Redis, two API instances)', () => {
  const dir = tempDir('ds-cache-');
  let a: TestApp;
  let b: TestApp;
  let admin: Session;
  let user: Session;
  const auth = (s: Session) => ({ authorization: `Bearer ${s.token}` });

  beforeAll(async () => {
    // Generous bounds: on a loaded machine a 250 ms Redis timeout would turn waits into (correct) extra loads.
    const env = { CACHE_WARMUP: 'false', CACHE_LOCK_WAIT_MS: '10000', CACHE_OP_TIMEOUT_MS: '3000' };
    a = await createTestApp({ driver: 'postgres', withWorker: true, env });
    b = await createTestApp({
      driver: 'postgres',
      env: { ...env, DATABASE_URL: a.config.db.url!, REDIS_PREFIX: a.config.redis.prefix },
    });
    admin = await a.login('admin');
    user = await a.login('normal');
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    dir.remove();
  });

  /** Each instance flushes its counters every 500 ms; `app`'s own are flushed before it answers. */
  async function typeStats(type: string, app = a): Promise<TypeStats> {
    const res = await app.http().get('/api/system/cache-stats').set(auth(admin)).expect(200);
    return (res.body.types as TypeStats[]).find((s) => s.type === type)!;
  }

  const createAccount = (app: TestApp, shopId: string, extra: object = {}) =>
    app
      .http()
      .post('/api/collection/accounts')
      .set(auth(admin))
      .send({ platform: 'lazada', shop_id: shopId, name: `Shop ${shopId}`, ...extra })
      .expect(201);

  it('answers repeated reads from Redis and from process memory byte for byte, and cache-stats counts them', async () => {
    await createAccount(a, 'hit-1', { region: 'MY' });
    const before = await typeStats('accounts');
    const read = (app: TestApp) =>
      app.http().get('/api/collection/accounts?platform=lazada&page_size=5').set(auth(user)).expect(200);
    const loaded = await read(a); // miss: loaded from PostgreSQL
    const fromMemory = await read(a); // hit in a's in-process tier
    const fromRedis = await read(b); // hit in Redis (b never read it)
    expect(fromMemory.text).toBe(loaded.text);
    expect(fromRedis.text).toBe(loaded.text);
    expect(loaded.body.items.map((i: { shop_id: string }) => i.shop_id)).toContain('hit-1');
    await typeStats('accounts', b); // flushes b's counters; then a's, with its own answer
    const after = await typeStats('accounts', a);
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(2);
    expect(after.local_hits - before.local_hits).toBe(1);
    expect(after.loads - before.loads).toBe(1);
    expect(after.keys).toBeGreaterThanOrEqual(1);
  });

  it('shows a created, updated and deleted account in the next list read on the other instance', async () => {
    const list = async () =>
      (await b.http().get('/api/collection/accounts?platform=lazada').set(auth(user)).expect(200)).body.items as {
        id: number;
        shop_id: string;
        name: string;
      }[];
    await list(); // cached on b
    const created = (await createAccount(a, 'ryw-1')).body as { id: number };
    expect((await list()).map((i) => i.shop_id)).toContain('ryw-1');

    await a
      .http()
      .patch(`/api/collection/accounts/${created.id}`)
      .set(auth(admin))
      .send({ name: 'Renamed' })
      .expect(200);
    expect((await list()).find((i) => i.id === created.id)?.name).toBe('Renamed');

    await a.http().delete(`/api/collection/accounts/${created.id}`).set(auth(admin)).expect(204);
    expect((await list()).map((i) => i.id)).not.toContain(created.id);
  });

  it('shows an account write in the next stats read (and its /summary alias) on the other instance', async () => {
    const stats = async (path: string) => (await b.http().get(path).set(auth(user)).expect(200)).body;
    const before = await stats('/api/accounts/stats');
    await stats('/api/accounts/stats/summary');
    await createAccount(a, 'stats-1', { enabled: false });
    const after = await stats('/api/accounts/stats');
    expect(after.total).toBe(before.total + 1);
    expect(after.inactive).toBe(before.inactive + 1);
    expect(await stats('/api/accounts/stats/summary')).toEqual(after);
  });

  it('shows a component-version write in the next list read on the other instance', async () => {
    const list = async () =>
      (await b.http().get('/api/component-versions?platform=lazada').set(auth(user)).expect(200)).body.items as {
        id: number;
        is_active: boolean;
      }[];
    expect(await list()).toHaveLength(0);
    const created = await a
      .http()
      .post('/api/component-versions')
      .set(auth(admin))
      .send({ platform: 'lazada', component: 'login', version: '1.0.0' })
      .expect(201);
    expect((await list()).map((i) => i.id)).toEqual([created.body.id]);
    await a
      .http()
      .patch(`/api/component-versions/${created.body.id}`)
      .set(auth(admin))
      .send({ is_active: false })
      .expect(200);
    expect((await list())[0].is_active).toBe(false);
    await a.http().delete(`/api/component-versions/${created.body.id}`).set(auth(admin)).expect(204);
    expect(await list()).toHaveLength(0);
  });

  it('shows a template write in the next template list read on the other instance', async () => {
    const list = async () =>
      (await b.http().get('/api/templates?platform=cachetest').set(auth(user)).expect(200)).body as { id: number }[];
    expect(await list()).toHaveLength(0);
    const created = await a
      .http()
      .post('/api/templates')
      .set(auth(admin))
      .send({
        platform: 'cachetest',
        data_domain: 'orders',
        granularity: 'daily',
        columns: [{ name: 'id', type: 'text' }],
        dedup_fields: ['id'],
      })
      .expect(201);
    expect((await list()).map((t) => t.id)).toEqual([created.body.id]);
    await a.http().delete(`/api/templates/${created.body.id}`).set(auth(admin)).expect(204);
    expect(await list()).toHaveLength(0);
  });

  it('shows a completed ingest in the next stats read', async () => {
    await installSampleTemplates(a);
    const spec = sampleSpec({ platform: 'shopee', domain: 'orders', format: 'csv' }, 300);
    const { path, meta } = await writeSample(dir.path, spec);
    const file = (await upload(a, user.token, path, meta).expect(201)).body as { id: number };
    const stats = async () => (await b.http().get('/api/accounts/stats').set(auth(user)).expect(200)).body;
    const before = await stats();
    expect(before.ingest.shopee).toMatchObject({ files_by_status: { pending: 1 }, rows_ingested: 0 });
    await stats(); // a hit: the entry exists when the worker finishes
    const task = await syncFile(a, user.token, file.id);
    expect(task.status).toBe('completed');
    expect((await stats()).ingest.shopee).toMatchObject({ files_by_status: { ingested: 1 }, rows_ingested: 300 });
  });

  it('runs the loader once for 100 simultaneous cold reads of one key in one instance', async () => {
    const repo = a.app.get(AccountsRepository);
    const spy = jest.spyOn(repo, 'list');
    try {
      const responses = await Promise.all(
        Array.from({ length: 100 }, () =>
          a.http().get('/api/collection/accounts?q=cold-one').set(auth(user)).expect(200),
        ),
      );
      expect(spy).toHaveBeenCalledTimes(1);
      expect(new Set(responses.map((r) => r.text)).size).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('runs the loader once for 100 simultaneous cold reads of one key spread over both instances', async () => {
    const spies = [a, b].map((app) => jest.spyOn(app.app.get(AccountsRepository), 'list'));
    try {
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          (i % 2 ? a : b).http().get('/api/collection/accounts?q=cold-two').set(auth(user)).expect(200),
        ),
      );
      expect(spies.reduce((n, spy) => n + spy.mock.calls.length, 0)).toBe(1);
      expect(new Set(responses.map((r) => r.text)).size).toBe(1);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('reports cache-stats to admins only, per type with totals, Redis status and the window', async () => {
    await a.http().get('/api/system/cache-stats').set(auth(user)).expect(403);
    await a.http().get('/api/system/cache-stats').expect(401);
    const res = await b.http().get('/api/system/cache-stats').set(auth(admin)).expect(200);
    const figures = {
      hits: expect.any(Number),
      local_hits: expect.any(Number),
      misses: expect.any(Number),
      loads: expect.any(Number),
      invalidations: expect.any(Number),
      errors: expect.any(Number),
      keys: expect.any(Number),
      bytes: expect.any(Number),
    };
    expect(res.body).toMatchObject({
      enabled: true,
      window: { since: expect.any(String), seconds: expect.any(Number) },
      redis: { status: 'up', used_memory_bytes: expect.any(Number) },
      totals: { ...figures, hit_rate: expect.any(Number), mean_load_ms: expect.any(Number) },
    });
    expect(res.body.types.map((t: TypeStats) => t.type)).toEqual([
      'accounts',
      'component_versions',
      'account_stats',
      'templates',
    ]);
    const accounts = res.body.types[0];
    expect(accounts).toMatchObject({ ...figures, ttl_seconds: 300, generation: expect.any(Number) });
    expect(accounts.hits).toBeGreaterThan(0);
    expect(accounts.bytes).toBeGreaterThan(0);
    expect(res.body.totals.hits).toBe(res.body.types.reduce((n: number, t: TypeStats) => n + t.hits, 0));
  });

  it('lets an admin warm and drop a type, and refuses others and unknown types', async () => {
    await a.http().post('/api/system/cache/warmup').set(auth(user)).send({}).expect(403);
    await a.http().delete('/api/system/cache/accounts').set(auth(user)).expect(403);
    await a.http().delete('/api/system/cache/nope').set(auth(admin)).expect(404);
    await a
      .http()
      .post('/api/system/cache/warmup')
      .set(auth(admin))
      .send({ types: ['nope'] })
      .expect(400);

    const { generation } = await typeStats('accounts');
    const dropped = await a.http().delete('/api/system/cache/accounts').set(auth(admin)).expect(200);
    expect(dropped.body).toEqual({ type: 'accounts', generation: generation + 1 });

    const warmed = await a
      .http()
      .post('/api/system/cache/warmup')
      .set(auth(admin))
      .send({ types: ['accounts'] });
    expect(warmed.status).toBe(200);
    expect(warmed.body).toEqual({ types: ['accounts'], loaded: 1 });
    const before = await typeStats('accounts', b);
    await b.http().get('/api/collection/accounts').set(auth(user)).expect(200); // the warmed default page
    const after = await typeStats('accounts', b);
    expect(after.hits - before.hits).toBe(1);
    expect(after.misses).toBe(before.misses);
  });
});
