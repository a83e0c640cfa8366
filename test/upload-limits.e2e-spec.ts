/**
 * Rejected uploads leave nothing behind in DATA_DIR/files: the file part is streamed to disk before the request is
 * judged, so every refusal path (over the size limit, a second file, wrong content, a duplicate) must remove it.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installSampleTemplates, sampleSpec, writeSample } from './support/samples';
import { upload } from './support/tasks';
import { createTestApp, TestApp } from './support/test-app';
import { tempDir } from './support/test-env';

const LIMIT = 64 * 1024;
const META = { platform: 'shopee', shop_id: 'leak', data_domain: 'orders', granularity: 'daily' };

describe('upload limits (e2e, PGlite + Redis)', () => {
  const dir = tempDir('ds-upload-limits-');
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp({ driver: 'pglite', env: { UPLOAD_MAX_BYTES: String(LIMIT) } });
    await installSampleTemplates(t);
    token = (await t.login('normal')).token;
  });
  afterAll(async () => {
    await t?.close();
    dir.remove();
  });

  /** Every file under DATA_DIR/files, recursively (uploads in progress are `.upload-*` there). */
  const storedFiles = (): string[] => {
    const root = join(t.config.app.dataDir, 'files');
    try {
      return readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name));
    } catch {
      return [];
    }
  };

  it('answers a file over UPLOAD_MAX_BYTES with 413 and removes what it had written', async () => {
    const path = join(dir.path, 'big.csv');
    writeFileSync(path, `a,b\n${'1,2\n'.repeat(LIMIT)}`); // 4 × LIMIT bytes
    const before = storedFiles();
    const res = await upload(t, token, path, META).expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(storedFiles()).toEqual(before);
  });

  it('leaves nothing behind after ten rejected oversized uploads in a row', async () => {
    const path = join(dir.path, 'big-again.csv');
    writeFileSync(path, `x,y\n${'3,4\n'.repeat(LIMIT / 2)}`);
    for (let i = 0; i < 10; i++) await upload(t, token, path, META).expect(413);
    expect(storedFiles().filter((f) => f.includes('.upload-'))).toEqual([]);
  });

  it('removes the first file when a request carries two', async () => {
    const spec = sampleSpec({ platform: 'amazon', domain: 'inventory' }, 5);
    const { path, meta } = await writeSample(dir.path, { ...spec, shopId: 'us_two' });
    const before = storedFiles();
    const res = await t
      .http()
      .post('/api/data-sync/files')
      .set('authorization', `Bearer ${token}`)
      .field('platform', meta.platform)
      .attach('file', path)
      .attach('file', path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(storedFiles()).toEqual(before);
  });

  it('removes a file refused as unsupported (415) and keeps an accepted one', async () => {
    const png = join(dir.path, 'image.csv');
    writeFileSync(png, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    await upload(t, token, png, META).expect(415);
    expect(storedFiles().filter((f) => f.includes('.upload-'))).toEqual([]);

    const spec = sampleSpec({ platform: 'amazon', domain: 'inventory' }, 5);
    const { path, meta } = await writeSample(dir.path, { ...spec, shopId: 'us_ok' });
    await upload(t, token, path, { ...meta, shop_id: 'us_ok' }).expect(201);
    const kept = storedFiles();
    expect(kept).toHaveLength(1);
    expect(kept[0]).not.toContain('.upload-');
  });
});
