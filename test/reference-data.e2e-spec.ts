import { createTestApp, TestApp } from './support/test-app';
import { drivers } from './support/test-env';

type Session = Awaited<ReturnType<TestApp['login']>>;

describe.each(['postgres', 'pglite'] as const)('reference data (e2e, %s)', (driver) => {
  let t: TestApp;
  let admin: Session;
  let normal: Session;
  const auth = (s: Session) => ({ authorization: `Bearer ${s.token}` });

  beforeAll(async () => {
    if (!(await drivers()).includes(driver)) throw new Error(`${driver} is not reachable; CI must provide it`);
    t = await createTestApp({ driver });
    admin = await t.login('admin');
    normal = await t.login('normal');
  });
  afterAll(() => t?.close());

  describe('collection accounts', () => {
    const account = { platform: 'shopee', shop_id: 'sg_42', name: 'Shopee SG 测试店', region: 'SG' };
    let id: number;

    it('lets an admin create an account', async () => {
      const res = await t.http().post('/api/collection/accounts').set(auth(admin)).send(account).expect(201);
      expect(res.body).toMatchObject({ ...account, enabled: true, id: expect.any(Number) });
      id = res.body.id;
    });

    it('refuses a normal user writing accounts with 403', async () => {
      const res = await t
        .http()
        .post('/api/collection/accounts')
        .set(auth(normal))
        .send({ ...account, shop_id: 'x' })
        .expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', details: { required_roles: ['admin'] } });
      await t.http().delete(`/api/collection/accounts/${id}`).set(auth(normal)).expect(403);
    });

    it('answers a duplicate platform + shop_id with 409', async () => {
      const res = await t.http().post('/api/collection/accounts').set(auth(admin)).send(account).expect(409);
      expect(res.body).toMatchObject({ code: 'DUPLICATE', details: { platform: 'shopee', shop_id: 'sg_42' } });
    });

    it('answers an update onto an existing platform + shop_id with 409', async () => {
      const other = await t
        .http()
        .post('/api/collection/accounts')
        .set(auth(admin))
        .send({ ...account, shop_id: 'sg_43' })
        .expect(201);
      await t
        .http()
        .patch(`/api/collection/accounts/${other.body.id}`)
        .set(auth(admin))
        .send({ shop_id: 'sg_42' })
        .expect(409);
    });

    it('validates the body with per-field details', async () => {
      const res = await t
        .http()
        .post('/api/collection/accounts')
        .set(auth(admin))
        .send({ platform: 'Shopee!', name: '', extra: 1 })
        .expect(400);
      const fields = (res.body.details as { field: string }[]).map((d) => d.field).sort();
      expect(fields).toEqual(['extra', 'name', 'platform', 'shop_id']);
    });

    it('lists with filters and pagination for any user', async () => {
      await t
        .http()
        .post('/api/collection/accounts')
        .set(auth(admin))
        .send({ platform: 'tiktok', shop_id: 'tt_1', name: 'TT', enabled: false })
        .expect(201);
      const all = await t.http().get('/api/collection/accounts?page_size=2').set(auth(normal)).expect(200);
      expect(all.body).toMatchObject({ total: 3, page: 1, page_size: 2 });
      expect(all.body.items).toHaveLength(2);
      const tiktok = await t
        .http()
        .get('/api/collection/accounts?platform=tiktok&enabled=false')
        .set(auth(normal))
        .expect(200);
      expect(tiktok.body.items.map((a: { shop_id: string }) => a.shop_id)).toEqual(['tt_1']);
      const search = await t
        .http()
        .get(`/api/collection/accounts?q=${encodeURIComponent('测试')}`)
        .set(auth(normal))
        .expect(200);
      expect(search.body.total).toBe(2);
      await t.http().get('/api/collection/accounts?page_size=1000').set(auth(normal)).expect(400);
      await t.http().get('/api/collection/accounts?enabled=maybe').set(auth(normal)).expect(400);
    });

    it('answers unknown and malformed ids with 404 and 400', async () => {
      const missing = await t.http().get('/api/collection/accounts/999999').set(auth(normal)).expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
      await t.http().patch('/api/collection/accounts/999999').set(auth(admin)).send({ name: 'x' }).expect(404);
      await t.http().delete('/api/collection/accounts/999999').set(auth(admin)).expect(404);
      await t.http().get('/api/collection/accounts/abc').set(auth(normal)).expect(400);
      await t.http().get('/api/collection/accounts/99999999999').set(auth(normal)).expect(400);
    });

    it('reports account stats with breakdowns, also under /summary', async () => {
      const res = await t.http().get('/api/accounts/stats').set(auth(normal)).expect(200);
      expect(res.body).toMatchObject({
        total: 3,
        active: 2,
        inactive: 1,
        platforms: 2,
        platform_breakdown: {
          shopee: { total: 2, active: 2, inactive: 0 },
          tiktok: { total: 1, active: 0, inactive: 1 },
        },
        by_region: { SG: 2, unknown: 1 },
      });
      const alias = await t.http().get('/api/accounts/stats/summary').set(auth(normal)).expect(200);
      expect(alias.body).toEqual(res.body);
    });

    it('lets an admin update and delete', async () => {
      const updated = await t
        .http()
        .patch(`/api/collection/accounts/${id}`)
        .set(auth(admin))
        .send({ enabled: false })
        .expect(200);
      expect(updated.body.enabled).toBe(false);
      await t.http().delete(`/api/collection/accounts/${id}`).set(auth(admin)).expect(204);
      await t.http().get(`/api/collection/accounts/${id}`).set(auth(admin)).expect(404);
    });
  });

  describe('component versions', () => {
    const version = {
      platform: 'shopee',
      component: 'orders_export',
      version: '1.0.0',
      is_stable: true,
      usage_count: 4,
      success_count: 3,
    };

    it('supports admin CRUD with 409 on duplicates and filters for users', async () => {
      const created = await t.http().post('/api/component-versions').set(auth(admin)).send(version).expect(201);
      expect(created.body).toMatchObject({ ...version, is_active: true, success_rate: 0.75 });
      await t.http().post('/api/component-versions').set(auth(admin)).send(version).expect(409);
      await t
        .http()
        .post('/api/component-versions')
        .set(auth(normal))
        .send({ ...version, version: '2' })
        .expect(403);
      await t
        .http()
        .post('/api/component-versions')
        .set(auth(admin))
        .send({ ...version, version: '1.1.0', is_active: false })
        .expect(201);

      const active = await t
        .http()
        .get('/api/component-versions?platform=shopee&active=true')
        .set(auth(normal))
        .expect(200);
      expect(active.body.items.map((v: { version: string }) => v.version)).toEqual(['1.0.0']);
      const patched = await t
        .http()
        .patch(`/api/component-versions/${created.body.id}`)
        .set(auth(admin))
        .send({ is_active: false })
        .expect(200);
      expect(patched.body.is_active).toBe(false);
      await t.http().delete(`/api/component-versions/${created.body.id}`).set(auth(admin)).expect(204);
      await t.http().get(`/api/component-versions/${created.body.id}`).set(auth(normal)).expect(404);
    });
  });

  describe('templates', () => {
    const template = {
      platform: 'shopee',
      data_domain: 'orders',
      granularity: 'daily',
      columns: [
        { name: '订单编号', type: 'text' },
        { name: '下单时间', type: 'datetime' },
        { name: '订单总金额', type: 'number' },
      ],
      dedup_fields: ['订单编号'],
      date_field: '下单时间',
    };

    it('supports admin CRUD with consistency checks', async () => {
      const created = await t.http().post('/api/templates').set(auth(admin)).send(template).expect(201);
      expect(created.body).toMatchObject({ ...template, sub_domain: '', header_row: 1, published: true });
      await t.http().post('/api/templates').set(auth(admin)).send(template).expect(409);
      await t.http().post('/api/templates').set(auth(normal)).send(template).expect(403);

      const bad = await t
        .http()
        .post('/api/templates')
        .set(auth(admin))
        .send({ ...template, sub_domain: 'x', dedup_fields: ['不存在'] })
        .expect(400);
      expect(bad.body.details).toEqual([{ field: 'dedup_fields', errors: ['not among columns: 不存在'] }]);
      await t
        .http()
        .post('/api/templates')
        .set(auth(admin))
        .send({ ...template, data_domain: 'weather' })
        .expect(400);

      const list = await t.http().get('/api/templates?platform=shopee').set(auth(normal)).expect(200);
      expect(list.body).toHaveLength(1);
      await t.http().patch(`/api/templates/${created.body.id}`).set(auth(admin)).send({ header_row: 3 }).expect(200);
      await t.http().delete(`/api/templates/${created.body.id}`).set(auth(admin)).expect(204);
      await t.http().delete(`/api/templates/${created.body.id}`).set(auth(admin)).expect(404);
    });
  });

  it('serves the OpenAPI document publicly', async () => {
    const res = await t.http().get('/api/docs-json').expect(200);
    expect(res.body.paths).toHaveProperty('/api/auth/login');
    expect(res.body.paths).toHaveProperty('/api/collection/accounts');
    await t.http().get('/api/docs').expect(200);
  });
});
