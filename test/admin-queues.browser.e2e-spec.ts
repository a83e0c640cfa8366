/**
 * The queue dashboard in a real headless Chromium (Debian's `chromium` package, driven by playwright-core; no
 * browser download): log in on the login page, land on /admin/queues, see the sync queue and open a waiting job.
 * Without /usr/bin/chromium (or CHROMIUM_PATH) it fails and says how to install it; .ci/run installs it.
 */
import { existsSync } from 'node:fs';
import { chromium, Browser } from 'playwright-core';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { upload } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('queue dashboard in headless Chromium (e2e)', () => {
  const dir = tempDir('ds-admin-browser-');
  let t: TestApp;
  let browser: Browser | undefined;
  let base: string;
  let taskId: string;
  const password = 'correct-horse-battery';
  let adminName: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH); .ci/run installs it`);
    t = await createTestApp({ driver: 'postgres' });
    await installSampleTemplates(t);
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    const user = await t.login('normal');
    adminName = (await t.login('admin')).username;
    const spec = sampleSpec({ platform: 'amazon', domain: 'inventory' }, 5);
    const { path, meta } = await writeSample(dir.path, { ...spec, shopId: 'us_browser' });
    const fileId = (await upload(t, user.token, path, { ...meta, shop_id: 'us_browser' }).expect(201)).body
      .id as number;
    const submitted = await t
      .http()
      .post('/api/data-sync/single')
      .set('authorization', `Bearer ${user.token}`)
      .send({ file_id: fileId })
      .expect(202);
    taskId = submitted.body.task_id as string;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, timeout: 60_000 });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    dir.remove();
  });

  it('logs an admin in, shows the data-sync queue and opens the waiting job', async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    try {
      // Straight to the dashboard: without a session the browser lands on the login page.
      await page.goto(`${base}/admin/queues`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await page.fill('#username', adminName);
      await page.fill('#password', password);
      await page.click('button[type=submit]');
      await page.waitForURL((url) => url.pathname.startsWith('/admin/queues'));

      // The cookie the browser keeps: HttpOnly, SameSite=Strict, only for /admin.
      const [cookie] = (await context.cookies()).filter((c) => c.name === 'ds_admin');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
      // Not readable by the page's scripts (the test's tsconfig has no DOM types, hence the string).
      expect(await page.evaluate('document.cookie')).not.toContain('ds_admin');

      // The queue is listed; its page shows the waiting (prioritized) job by its id (= the task id).
      await page.getByText('data-sync', { exact: true }).first().waitFor();
      await page.goto(`${base}/admin/queues/queue/data-sync?status=prioritized`);
      await page.getByText(taskId).first().waitFor();
    } finally {
      await context.close();
    }
  });
});
