import request from 'supertest';
import { ApiProcess } from './support/api-process';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';
import { waitFor } from './support/wait-for';
import { WorkerProcess } from './support/worker-process';

type Session = Awaited<ReturnType<TestApp['login']>>;
interface TypeStats {
  type: string;
  hits: number;
  local_hits: number;
}
interface IngestStats {
  files: number;
  files_by_status: Record<string, number>;
  rows_ingested: number;
}

/**
 * Two API OS processes (the production entry, cache and its in-process tier on, defaults otherwise) on one
 * PostgreSQL database and one Redis prefix, as two replicas: every write goes to `writer`, every read to
 * `reader`, which holds the entry in its own memory before the write. The in-Jest app has the cache off: it
 * sets up users and templates and gives the uncached answer each cached one must equal byte for byte.
 */
describe('cache with two API processes (e2e, OS processes sharing PostgreSQL and Redis, in-process tier on)', () => {
  const dir = tempDir('ds-cache-proc-');
  let t: TestApp;
  let writer: ApiProcess;
  let reader: ApiProcess;
  let worker: WorkerProcess | undefined;
  let admin: Session;
  let user: Session;
  const bearer = (s: Session) => ({ authorization: `Bearer ${s.token}` });

  beforeAll(async () => {
    t = await createTestApp({ driver: 'postgres', env: { CACHE_ENABLED: 'false' } });
    // Generous bounds: on a loaded machine a 250 ms Redis timeout would turn reads into (fresh, but uncached) errors.
    const env = { CACHE_OP_TIMEOUT_MS: '3000', CACHE_LOCK_WAIT_MS: '10000' };
    [writer, reader] = await Promise.all([ApiProcess.startApi(t.config, env), ApiProcess.startApi(t.config, env)]);
    admin = await t.login('admin');
    user = await t.login('normal');
  }, 120_000);
  afterAll(async () => {
    for (const child of [worker, reader, writer]) await child?.kill('SIGTERM');
    await t?.close();
    dir.remove();
  });

  const write = () => request(writer.url);

  async function readerStats(type: string): Promise<TypeStats> {
    const res = await request(reader.url).get('/api/system/cache-stats').set(bearer(admin)).expect(200);
    return (res.body.types as TypeStats[]).find((s) => s.type === type)!;
  }

  /**
   * Reads `path` on the reader twice and checks the second read came from its process memory (the entry a
   * write must not leave visible). Returns the body text.
   */
  async function cachedInReader(type: string, path: string): Promise<string> {
    const before = await readerStats(type);
    const first = await request(reader.url).get(path).set(bearer(user)).expect(200);
    const second = await request(reader.url).get(path).set(bearer(user)).expect(200);
    expect(second.text).toBe(first.text);
    expect((await readerStats(type)).local_hits - before.local_hits).toBeGreaterThanOrEqual(1);
    return second.text;
  }

  /** The reader's answer right after a write, which must equal the uncached answer byte for byte. */
  async function readAfterWrite(path: string): Promise<request.Response> {
    const cached = await request(reader.url).get(path).set(bearer(user)).expect(200);
    const uncached = await t.http().get(path).set(bearer(user)).expect(200);
    expect(cached.text).toBe(uncached.text);
    return cached;
  }

  it('shows an account created, renamed and deleted on one process in the next list read on the other', async () => {
    const path = '/api/collection/accounts?platform=lazada';
    const items = async () => (await readAfterWrite(path)).body.items as { id: number; name: string }[];

    await cachedInReader('accounts', path);
    const created = await write()
      .post('/api/collection/accounts')
      .set(bearer(admin))
      .send({ platform: 'lazada', shop_id: 'proc-1', name: 'Shop proc-1', region: 'MY' })
      .expect(201);
    expect((await items()).map((i) => i.id)).toContain(created.body.id);

    await cachedInReader('accounts', path);
    await write()
      .patch(`/api/collection/accounts/${created.body.id}`)
      .set(bearer(admin))
      .send({ name: 'Renamed' })
      .expect(200);
    expect((await items()).find((i) => i.id === created.body.id)?.name).toBe('Renamed');

    await cachedInReader('accounts', path);
    await write().delete(`/api/collection/accounts/${created.body.id}`).set(bearer(admin)).expect(204);
    expect((await items()).map((i) => i.id)).not.toContain(created.body.id);
  });

  it('shows an account write in the next stats read on the other process', async () => {
    const before = JSON.parse(await cachedInReader('account_stats', '/api/accounts/stats')) as { inactive: number };
    await write()
      .post('/api/collection/accounts')
      .set(bearer(admin))
      .send({ platform: 'shopee', shop_id: 'proc-stats', name: 'Off', enabled: false })
      .expect(201);
    expect((await readAfterWrite('/api/accounts/stats')).body.inactive).toBe(before.inactive + 1);
  });

  it('shows a component-version write in the next list read on the other process', async () => {
    const path = '/api/component-versions?platform=lazada';
    await cachedInReader('component_versions', path);
    const created = await write()
      .post('/api/component-versions')
      .set(bearer(admin))
      .send({ platform: 'lazada', component: 'login', version: '2.0.0' })
      .expect(201);
    expect((await readAfterWrite(path)).body.items.map((i: { id: number }) => i.id)).toEqual([created.body.id]);

    await cachedInReader('component_versions', path);
    await write()
      .patch(`/api/component-versions/${created.body.id}`)
      .set(bearer(admin))
      .send({ is_active: false })
      .expect(200);
    expect((await readAfterWrite(path)).body.items[0].is_active).toBe(false);
  });

  it('shows a template write in the next template list read on the other process', async () => {
    const path = '/api/templates?platform=proctest';
    await cachedInReader('templates', path);
    const created = await write()
      .post('/api/templates')
      .set(bearer(admin))
      .send({
        platform: 'proctest',
        data_domain: 'orders',
        granularity: 'daily',
        columns: [{ name: 'id', type: 'text' }],
        dedup_fields: ['id'],
      })
      .expect(201);
    expect((await readAfterWrite(path)).body.map((x: { id: number }) => x.id)).toEqual([created.body.id]);

    await cachedInReader('templates', path);
    await write().delete(`/api/templates/${created.body.id}`).set(bearer(admin)).expect(204);
    expect((await readAfterWrite(path)).body).toEqual([]);
  });

  it('shows a file submitted, cancelled, retried and ingested in the next stats read on the other process', async () => {
    await installSampleTemplates(t);
    const { path, meta } = await writeSample(dir.path, sampleSpec({ platform: 'tiktok', domain: 'orders' }, 200));
    let upload = write().post('/api/data-sync/files').set(bearer(user));
    for (const [key, value] of Object.entries(meta)) upload = upload.field(key, value);
    const file = (await upload.attach('file', path).expect(201)).body as { id: number };
    const tiktok = async (): Promise<IngestStats> => {
      const stats = JSON.parse(await cachedInReader('account_stats', '/api/accounts/stats')) as {
        ingest: Record<string, IngestStats>;
      };
      return stats.ingest.tiktok;
    };
    const tiktokAfterWrite = async () =>
      (await readAfterWrite('/api/accounts/stats')).body.ingest.tiktok as IngestStats;
    expect((await tiktok()).files_by_status).toEqual({ pending: 1 });

    // No worker runs yet: the task stays queued until it is cancelled.
    const submitted = await write()
      .post('/api/data-sync/single')
      .set(bearer(user))
      .send({ file_id: file.id })
      .expect(202);
    const taskId = submitted.body.task_id as string;
    expect((await tiktokAfterWrite()).files_by_status).toEqual({ queued: 1 });

    await tiktok();
    await write().delete(`/api/data-sync/cancel-task/${taskId}`).set(bearer(user)).expect(200);
    expect((await tiktokAfterWrite()).files_by_status).toEqual({ pending: 1 });

    await tiktok();
    await write().post(`/api/data-sync/retry-task/${taskId}`).set(bearer(user)).expect(202);
    expect((await tiktokAfterWrite()).files_by_status).toEqual({ queued: 1 });

    await tiktok();
    worker = await WorkerProcess.start(t.config);
    await waitFor(
      async () => (await t.http().get(`/api/data-sync/task-status/${taskId}`).set(bearer(user)).expect(200)).body,
      (task: { status: string }) => task.status === 'completed',
      { timeoutMs: 60_000, what: () => `task ${taskId} completed; worker log:\n${worker?.log ?? ''}` },
    );
    expect(await tiktokAfterWrite()).toMatchObject({ files_by_status: { ingested: 1 }, rows_ingested: 200 });
  }, 120_000);
});
