import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

const SECRET = 'x'.repeat(40);

describe(loadConfig.name, () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'cfg-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('applies the documented defaults in single-process mode', () => {
    const config = loadConfig('single', { DATA_DIR: dataDir });
    expect(config.app).toMatchObject({
      port: 3000,
      workerPort: 3001,
      host: '127.0.0.1',
      env: 'development',
      logLevel: 'info',
      trustProxy: ['loopback'],
    });
    expect(config.db).toMatchObject({ url: undefined, pgliteDir: join(dataDir, 'pg') });
    expect(config.redis).toEqual({ url: undefined, prefix: 'datasync' });
    expect(config.auth).toMatchObject({
      accessTtlSeconds: 900,
      refreshTtlSeconds: 604800,
      generatedSecret: true,
      passwordHash: { memoryKib: 65_536, timeCost: 3, parallelism: 4 },
    });
    expect(config.limits).toEqual({
      quota: { normal: 10, premium: 20, admin: 50 },
      rateLimit: {
        enabled: true,
        windowSeconds: 60,
        perWindow: {
          admin: { read: 4800, default: 200, data_sync: 100, auth: 60 },
          premium: { read: 2400, default: 100, data_sync: 50, auth: 60 },
          normal: { read: 1200, default: 60, data_sync: 30, auth: 60 },
          anonymous: { read: 120, default: 30, data_sync: 10, auth: 60 },
        },
        login: { failuresPerIp: 5, failuresPerUser: 50, windowSeconds: 900 },
        refreshPerFamily: 10,
      },
      uploadMaxBytes: 104857600,
      taskTimeoutMs: 1800000,
      scan: { roots: [dataDir], maxFiles: 10_000 },
    });
    expect(config.worker.concurrency).toBe(4);
    expect(config.events).toEqual({
      retentionSeconds: 600,
      maxEntries: 100_000,
      heartbeatMs: 15_000,
      maxStreamsPerUser: 5,
    });
  });

  it('reads SCAN_ROOTS as comma-separated directories made absolute, and bounds SCAN_MAX_FILES', () => {
    const config = loadConfig('single', {
      DATA_DIR: dataDir,
      SCAN_ROOTS: '/srv/exports, relative/dir,',
      SCAN_MAX_FILES: '50',
    });
    expect(config.limits.scan).toEqual({ roots: ['/srv/exports', join(process.cwd(), 'relative/dir')], maxFiles: 50 });
    expect(() => loadConfig('single', { DATA_DIR: dataDir, SCAN_MAX_FILES: '0' })).toThrow(/SCAN_MAX_FILES/);
  });

  it('turns the in-process cache tier on by default, bounded, and reads its switch and bounds', () => {
    expect(loadConfig('single', { DATA_DIR: dataDir }).cache.local).toEqual({
      enabled: true,
      maxEntries: 1_000,
      maxBytes: 32 * 1024 * 1024,
    });
    const config = loadConfig('single', {
      DATA_DIR: dataDir,
      CACHE_LOCAL_ENABLED: 'false',
      CACHE_LOCAL_MAX_ENTRIES: '50',
      CACHE_LOCAL_MAX_BYTES: '65536',
    });
    expect(config.cache.local).toEqual({ enabled: false, maxEntries: 50, maxBytes: 65_536 });
    expect(() =>
      loadConfig('single', { DATA_DIR: dataDir, CACHE_LOCAL_MAX_ENTRIES: '0', CACHE_LOCAL_MAX_BYTES: '12' }),
    ).toThrow(
      /CACHE_LOCAL_MAX_ENTRIES[\s\S]*CACHE_LOCAL_MAX_BYTES|CACHE_LOCAL_MAX_BYTES[\s\S]*CACHE_LOCAL_MAX_ENTRIES/,
    );
  });

  it('keeps a generated development secret in the data dir, private, across restarts', () => {
    const first = loadConfig('single', { DATA_DIR: dataDir }).auth.jwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig('single', { DATA_DIR: dataDir }).auth.jwtSecret).toBe(first);
    expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim()).toBe(first);
    expect(statSync(join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
  });

  it('binds every interface in the split deployment', () => {
    const config = loadConfig('api', { DATA_DIR: dataDir, DATABASE_URL: 'postgres://h/db', JWT_SECRET: SECRET });
    expect(config.app.host).toBe('0.0.0.0');
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig('api', {
        PORT: 'eighty',
        QUOTA_NORMAL: '-1',
        REDIS_URL: 'http://x',
        LOG_LEVEL: 'loud',
        JWT_SECRET: 'short',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'QUOTA_NORMAL', 'REDIS_URL', 'LOG_LEVEL', 'DATABASE_URL', 'JWT_SECRET']) {
      expect(problems).toContain(name);
    }
  });

  it('refuses production without a JWT secret', () => {
    expect(() => loadConfig('single', { NODE_ENV: 'production', DATA_DIR: dataDir })).toThrow(
      /JWT_SECRET: required in production/,
    );
  });

  it('refuses a password hash cost below the OWASP minimum in production only', () => {
    const cheap = { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_TIME_COST: '1', PASSWORD_HASH_PARALLELISM: '1' };
    expect(() =>
      loadConfig('single', { NODE_ENV: 'production', DATA_DIR: dataDir, JWT_SECRET: SECRET, ...cheap }),
    ).toThrow(/PASSWORD_HASH_MEMORY_KIB: at least 19456 in production[\s\S]*PASSWORD_HASH_TIME_COST: at least 2/);
    const production = { NODE_ENV: 'production', DATA_DIR: dataDir, JWT_SECRET: SECRET };
    expect(
      loadConfig('single', { ...production, PASSWORD_HASH_MEMORY_KIB: '19456', PASSWORD_HASH_TIME_COST: '2' }).auth
        .passwordHash,
    ).toEqual({ memoryKib: 19_456, timeCost: 2, parallelism: 4 });
    expect(loadConfig('single', { NODE_ENV: 'test', DATA_DIR: dataDir, ...cheap }).auth.passwordHash).toEqual({
      memoryKib: 1024,
      timeCost: 1,
      parallelism: 1,
    });
  });

  it('parses durations and booleans', () => {
    const config = loadConfig('single', {
      DATA_DIR: dataDir,
      JWT_SECRET: SECRET,
      JWT_ACCESS_TTL: '2h',
      JWT_REFRESH_TTL: '30d',
      RATE_LIMIT_ENABLED: 'false',
    });
    expect(config.auth).toMatchObject({ accessTtlSeconds: 7200, refreshTtlSeconds: 2592000, generatedSecret: false });
    expect(config.limits.rateLimit.enabled).toBe(false);
  });

  it('overrides one rate limit per tier and class, and refuses a limit below 1', () => {
    const config = loadConfig('single', {
      DATA_DIR: dataDir,
      RATE_LIMIT_NORMAL_DATA_SYNC: '1000',
      RATE_LIMIT_ANONYMOUS_AUTH: '7',
    });
    expect(config.limits.rateLimit.perWindow.normal).toEqual({ read: 1200, default: 60, data_sync: 1000, auth: 60 });
    expect(config.limits.rateLimit.perWindow.anonymous.auth).toBe(7);
    expect(() => loadConfig('single', { DATA_DIR: dataDir, RATE_LIMIT_PREMIUM_DEFAULT: '0' })).toThrow(
      /RATE_LIMIT_PREMIUM_DEFAULT/,
    );
  });
});
