import { connect } from 'node:net';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';

type Session = Awaited<ReturnType<TestApp['login']>>;

/** The fields a 400 names in its per-field details. */
const fieldsOf = (body: { details?: { field: string }[] }): string[] => (body.details ?? []).map((d) => d.field);

/** Every 4xx carries the one error body. */
function expectErrorBody(body: Record<string, unknown>, status: number): void {
  expect(body).toMatchObject({
    statusCode: status,
    error: expect.any(String),
    code: expect.any(String),
    message: expect.any(String),
    requestId: expect.any(String),
  });
}

/** A request written to the socket as given: clients refuse to send a NUL in a header. */
function rawRequest(port: number, text: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}

describe('hostile input (e2e, PostgreSQL)', () => {
  const dir = tempDir('ds-hostile-');
  let t: TestApp;
  let admin: Session;
  let normal: Session;
  const auth = (s: Session) => ({ authorization: `Bearer ${s.token}` });

  beforeAll(async () => {
    t = await createTestApp({ driver: 'postgres' });
    admin = await t.login('admin');
    normal = await t.login('normal');
  });
  afterAll(async () => {
    await t?.close();
    dir.remove();
  });

  describe('strings PostgreSQL cannot store', () => {
    it.each([
      ['/api/data-sync/files?shop_id=%00', 'shop_id'],
      ['/api/data-sync/files?platform=a%00b', 'platform'],
      ['/api/collection/accounts?q=%00', 'q'],
      ['/api/component-versions?component=x%00', 'component'],
      ['/api/templates?platform=%00', 'platform'],
    ])('refuses a NUL or unpaired surrogate in the query %s with 400 naming the field', async (url, field) => {
      const res = await t.http().get(url).set(auth(normal)).expect(400);
      expectErrorBody(res.body, 400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(res.body)).toContain(field);
    });

    it('refuses a NUL in a login username with 400 naming username', async () => {
      const res = await t.http().post('/api/auth/login').send({ username: 'de\u0000mo', password: 'x' }).expect(400);
      expectErrorBody(res.body, 400);
      expect(fieldsOf(res.body)).toEqual(['username']);
    });

    it('refuses an unpaired surrogate in a password with 400 naming password', async () => {
      const body = `{"username":"demo","password":"pw\\ud83d"}`;
      const res = await t.http().post('/api/auth/login').set('content-type', 'application/json').send(body).expect(400);
      expect(fieldsOf(res.body)).toEqual(['password']);
    });

    it('refuses a NUL in a refresh token with 400', async () => {
      const [header, payload, signature] = normal.refresh.split('.');
      for (const token of ['\u0000', `${header}.${payload}\u0000.${signature}`, `${normal.refresh}\u0000`]) {
        const res = await t.http().post('/api/auth/refresh').send({ refresh_token: token }).expect(400);
        expect(fieldsOf(res.body)).toEqual(['refresh_token']);
      }
    });

    it('refuses a NUL in a JSON key with 400', async () => {
      const res = await t
        .http()
        .post('/api/data-sync/single')
        .set(auth(normal))
        .set('content-type', 'application/json')
        .send('{"file_id":1,"x\\u0000":1}')
        .expect(400);
      expectErrorBody(res.body, 400);
    });

    it('refuses a NUL in upload metadata with 400 naming the field, and leaves no file behind', async () => {
      const csv = join(dir.path, 'nul-meta.csv');
      writeFileSync(csv, 'order_id,amount\nA1,10\n');
      const res = await t
        .http()
        .post('/api/data-sync/files')
        .set(auth(normal))
        .field('platform', 'shopee')
        .field('shop_id', 'sg\u0000x')
        .field('data_domain', 'orders')
        .field('granularity', 'daily')
        .attach('file', csv)
        .expect(400);
      expectErrorBody(res.body, 400);
      expect(fieldsOf(res.body)).toContain('shop_id');
      expect(readdirSync(join(t.config.app.dataDir, 'files')).filter((f) => f.startsWith('.upload-'))).toEqual([]);
    });

    it('refuses a NUL in an uploaded file name with 400 naming file', async () => {
      const csv = join(dir.path, 'nul-name.csv');
      writeFileSync(csv, 'order_id,amount\nA2,10\n');
      const res = await t
        .http()
        .post('/api/data-sync/files')
        .set(auth(normal))
        .field('platform', 'shopee')
        .field('shop_id', 'sg_1')
        .field('data_domain', 'orders')
        .field('granularity', 'daily')
        .attach('file', csv, { filename: 'bad\u0000name.csv' })
        .expect(400);
      expect(fieldsOf(res.body)).toContain('file');
    });

    it('refuses a NUL in an Idempotency-Key with a 4xx, never a 500', async () => {
      await t.app.listen(0, '127.0.0.1');
      const port = (t.app.getHttpServer().address() as { port: number }).port;
      const body = '{"file_id":1}';
      const res = await rawRequest(
        port,
        `POST /api/data-sync/single HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${normal.token}\r\n` +
          `Idempotency-Key: ab\u0000cd\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    });

    it('refuses crafted batch filters with 400 naming each field', async () => {
      const crafted = await t
        .http()
        .post('/api/data-sync/batch')
        .set(auth(normal))
        .send({ platform: 'shopee\u0000', shop_id: '\ud800', domains: ['orders\u0000'] })
        .expect(400);
      expectErrorBody(crafted.body, 400);
      expect(fieldsOf(crafted.body)).toEqual(['platform', 'shop_id', 'domains.0']);
      const huge = await t
        .http()
        .post('/api/data-sync/batch')
        .set(auth(normal))
        .send({ since_hours: 1e20, limit: -1, priority: 2 ** 53 })
        .expect(400);
      expect(fieldsOf(huge.body).sort()).toEqual(['limit', 'priority', 'since_hours']);
    });
  });

  describe('bounded integers', () => {
    it.each([
      '/api/data-sync/files?page=99999999999999999999',
      '/api/data-sync/files?page_size=99999999999999999999',
      '/api/data-sync/tasks?page=99999999999999999999',
      '/api/collection/accounts?page=1e300',
      '/api/component-versions?page=-1',
      '/api/data-sync/files?page=2147483648',
    ])('refuses %s with 400 naming the field', async (url) => {
      const res = await t.http().get(url).set(auth(normal)).expect(400);
      expectErrorBody(res.body, 400);
      expect(fieldsOf(res.body).some((f) => f === 'page' || f === 'page_size')).toBe(true);
    });

    it('answers the last page a client may ask for with 200', async () => {
      const res = await t.http().get('/api/data-sync/files?page=100000').set(auth(normal)).expect(200);
      expect(res.body).toMatchObject({ items: [], page: 100_000 });
    });

    it.each(['/api/data-sync/files/99999999999999999999', '/api/collection/accounts/0x10', '/api/data-sync/files/-1'])(
      'refuses the id in %s with 400',
      async (url) => {
        const res = await t.http().get(url).set(auth(normal)).expect(400);
        expectErrorBody(res.body, 400);
      },
    );

    it('refuses integers past a PostgreSQL integer in admin writes with 400 naming the field', async () => {
      const account = { platform: 'shopee', shop_id: 'big_1', name: 'Big', owner_user_id: 2 ** 31 };
      const res = await t.http().post('/api/collection/accounts').set(auth(admin)).send(account).expect(400);
      expect(fieldsOf(res.body)).toEqual(['owner_user_id']);
      const version = { platform: 'shopee', component: 'login', version: '1.0.0', usage_count: 2 ** 53 };
      const cv = await t.http().post('/api/component-versions').set(auth(admin)).send(version).expect(400);
      expect(fieldsOf(cv.body)).toEqual(['usage_count']);
    });

    it('answers a path parameter too long for the router with the error body', async () => {
      const res = await t
        .http()
        .get(`/api/data-sync/files/${'9'.repeat(500)}`)
        .set(auth(normal))
        .expect(414);
      expectErrorBody(res.body, 414);
    });

    it('refuses a file id beyond int4 in POST /data-sync/single and /batch-by-ids with 400', async () => {
      await t.http().post('/api/data-sync/single').set(auth(normal)).send({ file_id: 1e20 }).expect(400);
      await t
        .http()
        .post('/api/data-sync/batch-by-ids')
        .set(auth(normal))
        .send({ file_ids: [1, 2 ** 31] })
        .expect(400);
    });
  });

  describe('JSON bodies', () => {
    it('refuses a body nested 5,000 deep with 400 before validation recurses', async () => {
      const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
      const res = await t
        .http()
        .post('/api/data-sync/single')
        .set(auth(normal))
        .set('content-type', 'application/json')
        .send(deep)
        .expect(400);
      expectErrorBody(res.body, 400);
      expect(res.body.message).toMatch(/nest/i);
    });

    it('refuses an array nested 100,000 deep with 400', async () => {
      const deep = `{"file_ids":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      const res = await t
        .http()
        .post('/api/data-sync/batch-by-ids')
        .set(auth(normal))
        .set('content-type', 'application/json')
        .send(deep)
        .expect(400);
      expectErrorBody(res.body, 400);
    });

    it('refuses a JSON body over the JSON bound with 413', async () => {
      const big = JSON.stringify({ file_id: 1, pad: 'x'.repeat(2 * 1024 * 1024) });
      const res = await t
        .http()
        .post('/api/data-sync/single')
        .set(auth(normal))
        .set('content-type', 'application/json')
        .send(big)
        .expect(413);
      expectErrorBody(res.body, 413);
    });

    it('keeps the prototype-poisoning guard: a __proto__ key is refused with 400', async () => {
      const res = await t
        .http()
        .post('/api/data-sync/single')
        .set(auth(normal))
        .set('content-type', 'application/json')
        .send('{"file_id":1,"__proto__":{"x":1}}')
        .expect(400);
      expectErrorBody(res.body, 400);
    });

    it('refuses malformed JSON with 400 and the error body', async () => {
      const res = await t
        .http()
        .post('/api/data-sync/single')
        .set(auth(normal))
        .set('content-type', 'application/json')
        .send('{"file_id":')
        .expect(400);
      expectErrorBody(res.body, 400);
    });
  });

  describe('scan', () => {
    it('refuses a directory outside SCAN_ROOTS with 400, whatever its spelling', async () => {
      for (const target of ['/', '/etc', join(t.config.app.dataDir, '..'), `${t.config.app.dataDir}/../..`]) {
        const res = await t.http().post('/api/data-sync/scan').set(auth(admin)).send({ dir: target }).expect(400);
        expectErrorBody(res.body, 400);
        expect(fieldsOf(res.body)).toEqual(['dir']);
      }
    });

    it('refuses a symlink inside the roots that leads outside them with 400', async () => {
      const link = join(t.config.app.dataDir, 'to-etc');
      symlinkSync('/etc', link);
      await t.http().post('/api/data-sync/scan').set(auth(admin)).send({ dir: link }).expect(400);
    });

    it('skips and reports symlinks that leave the roots while walking', async () => {
      const root = join(t.config.app.dataDir, 'exports');
      mkdirSync(root, { recursive: true });
      const outside = join(dir.path, 'outside__s1__orders__all__daily__2026-11-01_2026-11-01.csv');
      writeFileSync(outside, 'order_id,amount\nO1,1\n');
      symlinkSync(outside, join(root, 'shopee__s1__orders__all__daily__2026-11-01_2026-11-01.csv'));
      symlinkSync(dir.path, join(root, 'outside-dir'));
      writeFileSync(join(root, 'shopee__s2__orders__all__daily__2026-11-01_2026-11-01.csv'), 'order_id\nI1\n');
      const res = await t.http().post('/api/data-sync/scan').set(auth(admin)).send({ dir: root }).expect(200);
      expect(res.body.registered).toHaveLength(1);
      expect(res.body.skipped).toEqual(
        expect.arrayContaining([
          { path: expect.stringMatching(/shopee__s1__/), reason: expect.stringMatching(/outside the scan roots/) },
          { path: expect.stringMatching(/outside-dir$/), reason: expect.stringMatching(/outside the scan roots/) },
        ]),
      );
    });
  });
});
