import { createTestApp, TestApp } from './support/test-app';
import { ThrowawayRedis, waitFor } from './support/redis-server';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { syncFile, upload } from './support/tasks';
import { tempDir } from './support/test-env';

/** One sample's value from the exposition text; undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[4]);
  }
  return undefined;
}

describe('Prometheus metrics (e2e, API and worker in one process, a Redis this test owns)', () => {
  const dir = tempDir();
  let redis: ThrowawayRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    // A short grace period: the Redis outage below leaves the worker's connection reconnecting at close.
    t = await createTestApp({
      driver: 'postgres',
      redisUrl: redis.url,
      withWorker: true,
      env: { WORKER_SHUTDOWN_GRACE_MS: '2000' },
    });
    await installSampleTemplates(t);
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
    dir.remove();
  });

  const scrape = async (): Promise<string> => {
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  it('serves /metrics outside /api, without a token, never rate limited', async () => {
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    await t.http().get('/api/metrics').expect(404);
    expect(sample(res.text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(res.text, 'datasync_dependency_up', { dependency: 'postgres' })).toBe(1);
    expect(sample(res.text, 'datasync_dependency_up', { dependency: 'redis' })).toBe(1);
    expect(sample(res.text, 'datasync_outbox_pending_tasks')).toBe(0);
  });

  it('counts the rows, the file and the task run of an ingest, and times requests by route template', async () => {
    const user = await t.login('normal');
    const spec = sampleSpec({ platform: 'shopee', domain: 'orders', format: 'csv' }, 300);
    const { path, meta } = await writeSample(dir.path, spec);
    const fileId = (await upload(t, user.token, path, meta).expect(201)).body.id as number;
    const before = await scrape();
    const rowsBefore = sample(before, 'datasync_ingest_rows_total', { result: 'inserted' }) ?? 0;

    const task = await syncFile(t, user.token, fileId);
    expect(task.status).toBe('completed');
    const after = await scrape();

    expect((sample(after, 'datasync_ingest_rows_total', { result: 'inserted' }) ?? 0) - rowsBefore).toBe(300);
    expect(sample(after, 'datasync_ingest_files_total', { status: 'ingested' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'datasync_tasks_finished_total', { outcome: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'datasync_task_duration_seconds_count', { outcome: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'datasync_tasks_running')).toBe(0);
    expect(sample(after, 'datasync_queue_jobs', { state: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'datasync_queue_jobs', { state: 'waiting' })).toBe(0);
    // Route templates, not URLs: one series for every task id polled.
    const polls = sample(after, 'datasync_http_request_duration_seconds_count', {
      method: 'GET',
      route: '/api/data-sync/task-status/:taskId',
      status: '200',
    });
    expect(polls).toBeGreaterThanOrEqual(1);
    expect(after).not.toContain(task.task_id);
    expect(
      sample(after, 'datasync_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/data-sync/single',
        status: '202',
      }),
    ).toBe(1);
  });

  it('labels requests no route matched as one series', async () => {
    const unmatched = { route: 'unmatched', status: '404' };
    const before = sample(await scrape(), 'datasync_http_request_duration_seconds_count', unmatched) ?? 0;
    await t.http().get('/no/such/path/12345').expect(404);
    await t.http().get('/no/such/path/67890').expect(404);
    const text = await scrape();
    expect(sample(text, 'datasync_http_request_duration_seconds_count', unmatched)).toBe(before + 2);
    expect(text).not.toContain('/no/such/path');
  });

  it('keeps answering quickly while Redis is down: redis down, no stale queue depth', async () => {
    await redis.stop();
    try {
      const started = Date.now();
      const text = await scrape();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(sample(text, 'datasync_dependency_up', { dependency: 'redis' })).toBe(0);
      expect(sample(text, 'datasync_dependency_up', { dependency: 'postgres' })).toBe(1);
      expect(sample(text, 'datasync_queue_jobs', { state: 'waiting' })).toBeUndefined();
    } finally {
      await redis.restart();
      await waitFor(async () => (await t.http().get('/health/ready')).status === 200, 15_000, 'ready again');
    }
  });
});
