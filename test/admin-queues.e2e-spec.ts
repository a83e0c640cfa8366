/**
 * The queue dashboard at /admin/queues: admins only, through a short-lived HttpOnly SameSite=Strict cookie scoped
 * to /admin that an admin's access token buys; read-only unless ADMIN_QUEUES_ACTIONS=true. (The browser flow is
 * admin-queues.browser.e2e-spec.ts.)
 */
import { sql } from 'drizzle-orm';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { upload } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';

describe.each([
  ['read-only (default)', {}, false],
  ['with ADMIN_QUEUES_ACTIONS=true', { ADMIN_QUEUES_ACTIONS: 'true' }, true],
] as const)('queue dashboard, %s (e2e, PostgreSQL + Redis, no worker)', (_name, env, actions) => {
  const dir = tempDir('ds-admin-queues-');
  let t: TestApp;
  let taskId: string;

  beforeAll(async () => {
    t = await createTestApp({ driver: 'postgres', env: { ADMIN_SESSION_TTL: '10m', ...env } });
    await installSampleTemplates(t);
    // One task waiting in the queue (no worker runs here).
    const user = await t.login('normal');
    const spec = sampleSpec({ platform: 'amazon', domain: 'inventory' }, 5);
    const { path, meta } = await writeSample(dir.path, { ...spec, shopId: 'us_board' });
    const fileId = (await upload(t, user.token, path, { ...meta, shop_id: 'us_board' }).expect(201)).body.id as number;
    const submitted = await t
      .http()
      .post('/api/data-sync/single')
      .set('authorization', `Bearer ${user.token}`)
      .send({ file_id: fileId })
      .expect(202);
    taskId = submitted.body.task_id as string;
  });
  afterAll(async () => {
    await t?.close();
    dir.remove();
  });

  const sessionCookie = async (): Promise<string> => {
    const admin = await t.login('admin');
    const res = await t.http().post('/admin/login').set('authorization', `Bearer ${admin.token}`).expect(204);
    const cookie = String(res.headers['set-cookie']);
    return cookie.slice(0, cookie.indexOf(';'));
  };

  it('sends a browser without a session to the login page and answers API calls with 401 in the error body', async () => {
    const page = await t.http().get('/admin/queues').set('accept', 'text/html').expect(303);
    expect(page.headers.location).toBe('/admin/login?next=%2Fadmin%2Fqueues');
    const api = await t.http().get('/admin/queues/api/queues').set('accept', 'application/json').expect(401);
    expect(api.body).toMatchObject({ statusCode: 401, code: 'INVALID_TOKEN' });
    await t.http().get('/admin/queues/api/queues').set('cookie', 'ds_admin=forged.token.value').expect(401);
    const login = await t.http().get('/admin/login').expect(200);
    expect(login.headers['content-type']).toMatch(/^text\/html/);
    expect(login.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('exchanges only an admin access token for the cookie: HttpOnly, SameSite=Strict, Path=/admin, short-lived', async () => {
    await t.http().post('/admin/login').expect(401);
    const normal = await t.login('normal');
    await t.http().post('/admin/login').set('authorization', `Bearer ${normal.token}`).expect(403);
    const admin = await t.login('admin');
    const res = await t.http().post('/admin/login').set('authorization', `Bearer ${admin.token}`).expect(204);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^ds_admin=[\w-]+\.[\w-]+\.[\w-]+; /);
    expect(cookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=600', 'Path=/admin', 'SameSite=Strict']);
    // The cookie's token is no API access token.
    const value = cookie.slice('ds_admin='.length, cookie.indexOf(';'));
    await t.http().get('/api/auth/me').set('authorization', `Bearer ${value}`).expect(401);
  });

  it('shows the sync queue and the waiting task to an admin with the cookie', async () => {
    const cookie = await sessionCookie();
    const res = await t
      .http()
      .get('/admin/queues/api/queues?activeQueue=data-sync&status=prioritized&page=1&jobsPerPage=10')
      .set('cookie', cookie)
      .expect(200);
    const queue = (res.body.queues as { name: string; readOnlyMode: boolean; jobs: { id: string }[] }[]).find(
      (q) => q.name === 'data-sync',
    );
    expect(queue?.readOnlyMode).toBe(!actions);
    expect(queue?.jobs.map((j) => j.id)).toContain(taskId);
    const ui = await t.http().get('/admin/queues').set('cookie', cookie).set('accept', 'text/html').expect(200);
    expect(ui.text).toContain('data-sync queues');
  });

  it(actions ? 'lets an admin clean the failed jobs' : 'refuses queue actions while read-only', async () => {
    const cookie = await sessionCookie();
    const res = await t.http().put('/admin/queues/api/queues/data-sync/clean/failed').set('cookie', cookie);
    if (actions) expect(res.status).toBe(200);
    else expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it('drops the session of an admin who was disabled meanwhile', async () => {
    const admin = await t.login('admin');
    const res = await t.http().post('/admin/login').set('authorization', `Bearer ${admin.token}`).expect(204);
    const cookie = String(res.headers['set-cookie']).split(';')[0];
    await t.http().get('/admin/queues/api/queues').set('cookie', cookie).expect(200);
    await t.db.rows(sql`update users set disabled = true where id = ${admin.userId}`);
    await t.http().get('/admin/queues/api/queues').set('cookie', cookie).expect(401);
  });
});
