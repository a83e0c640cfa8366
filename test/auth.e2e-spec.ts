import { createHmac } from 'node:crypto';
import { createTestApp, TestApp } from './support/test-app';
import { TEST_JWT_SECRET } from './support/test-env';

function b64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function signHs256(payload: object, secret: string): string {
  const head = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

describe('auth (e2e, PostgreSQL)', () => {
  let t: TestApp;
  let user: Awaited<ReturnType<TestApp['login']>>;

  beforeAll(async () => {
    t = await createTestApp({ driver: 'postgres' });
    user = await t.login('normal');
  });
  afterAll(() => t.close());

  const now = () => Math.floor(Date.now() / 1000);
  const validClaims = () => ({
    sub: user.userId,
    username: user.username,
    role: 'normal',
    typ: 'access',
    iat: now(),
    exp: now() + 60,
  });

  it('logs in with good credentials and returns a bearer pair', async () => {
    const res = await t
      .http()
      .post('/api/auth/login')
      .send({ username: user.username, password: 'correct-horse-battery' })
      .expect(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
    });
  });

  it('refuses a wrong password and an unknown user alike with 401', async () => {
    for (const body of [
      { username: user.username, password: 'wrong-password' },
      { username: 'nobody-here', password: 'whatever-123' },
    ]) {
      const res = await t.http().post('/api/auth/login').send(body).expect(401);
      expect(res.body).toMatchObject({
        statusCode: 401,
        code: 'INVALID_CREDENTIALS',
        message: 'Invalid username or password',
      });
      expect(res.body.requestId).toEqual(expect.any(String));
    }
  });

  it('answers malformed login bodies with 400 and per-field details', async () => {
    const res = await t.http().post('/api/auth/login').send({ username: 42 }).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'VALIDATION_FAILED' });
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'username' }),
        expect.objectContaining({ field: 'password' }),
      ]),
    );
  });

  it('answers a body that is not JSON with 400, not 500', async () => {
    const res = await t
      .http()
      .post('/api/auth/login')
      .set('content-type', 'application/json')
      .send('{"username":')
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, requestId: expect.any(String) });
  });

  it('serves /auth/me for a valid token with role, quota and tier', async () => {
    const res = await t.http().get('/api/auth/me').set('authorization', `Bearer ${user.token}`).expect(200);
    expect(res.body).toEqual({
      id: user.userId,
      username: user.username,
      role: 'normal',
      quota: { limit: 10 },
      rate_limit_tier: 'normal',
    });
  });

  it('rejects a missing token with 401', async () => {
    const res = await t.http().get('/api/auth/me').expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, code: 'INVALID_TOKEN' });
  });

  it('rejects a token signed with another secret', async () => {
    const forged = signHs256(validClaims(), 'another-secret-another-secret-another-secret');
    await t.http().get('/api/auth/me').set('authorization', `Bearer ${forged}`).expect(401);
  });

  it('rejects an alg:none token', async () => {
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(validClaims())}.`;
    await t.http().get('/api/auth/me').set('authorization', `Bearer ${unsigned}`).expect(401);
  });

  it('rejects an expired token', async () => {
    const expired = signHs256({ ...validClaims(), iat: now() - 120, exp: now() - 60 }, TEST_JWT_SECRET);
    const res = await t.http().get('/api/auth/me').set('authorization', `Bearer ${expired}`).expect(401);
    expect(res.body.message).toMatch(/expired/i);
  });

  it('accepts a well-signed token, which proves the forged ones failed only on their flaw', async () => {
    const good = signHs256(validClaims(), TEST_JWT_SECRET);
    await t.http().get('/api/auth/me').set('authorization', `Bearer ${good}`).expect(200);
  });

  it('rejects a refresh token used as an access token', async () => {
    await t.http().get('/api/auth/me').set('authorization', `Bearer ${user.refresh}`).expect(401);
  });

  it('rotates refresh tokens and refuses a reused one, revoking its family', async () => {
    const first = await t.login('normal');
    const rotated = await t.http().post('/api/auth/refresh').send({ refresh_token: first.refresh }).expect(200);
    expect(rotated.body.refresh_token).not.toEqual(first.refresh);
    await t.http().get('/api/auth/me').set('authorization', `Bearer ${rotated.body.access_token}`).expect(200);

    const reuse = await t.http().post('/api/auth/refresh').send({ refresh_token: first.refresh }).expect(401);
    expect(reuse.body).toMatchObject({ code: 'INVALID_TOKEN' });
    // The reuse revoked the whole family: the rotated token is refused too.
    await t.http().post('/api/auth/refresh').send({ refresh_token: rotated.body.refresh_token }).expect(401);
  });

  it('rejects a malformed refresh token with 400', async () => {
    const res = await t.http().post('/api/auth/refresh').send({ refresh_token: 'not-a-jwt' }).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('answers unknown routes with the same error body', async () => {
    const res = await t.http().get('/api/no-such-route').set('authorization', `Bearer ${user.token}`).expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found', requestId: expect.any(String) });
  });

  it('echoes a sane x-request-id in the error body and header', async () => {
    const res = await t.http().get('/api/auth/me').set('x-request-id', 'trace-abc-123').expect(401);
    expect(res.body.requestId).toBe('trace-abc-123');
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
  });
});
