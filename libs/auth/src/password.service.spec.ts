import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { PasswordService } from './password.service';

describe(PasswordService.name, () => {
  let dataDir: string;
  beforeAll(() => (dataDir = mkdtempSync(join(tmpdir(), 'pw-'))));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const service = (env: Record<string, string> = {}) =>
    new PasswordService(loadConfig('single', { DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(40), ...env }));
  const cheap = { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_TIME_COST: '1', PASSWORD_HASH_PARALLELISM: '1' };

  it('hashes with argon2id at the library default cost unless configured', async () => {
    const hash = await service().hash('correct-horse-battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=65536,p=4,t=3\$/);
  });

  it('hashes at the configured cost', async () => {
    const hash = await service(cheap).hash('correct-horse-battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=1024,p=1,t=1\$/);
  });

  it('verifies a stored hash with the cost it was made with, so changing the cost locks nobody out', async () => {
    const stored = await service().hash('correct-horse-battery');
    const cheaper = service(cheap);
    await expect(cheaper.verify(stored, 'correct-horse-battery')).resolves.toBe(true);
    await expect(cheaper.verify(stored, 'wrong-horse-battery')).resolves.toBe(false);
  });

  it('treats a malformed hash as a mismatch', async () => {
    await expect(service(cheap).verify('not-a-hash', 'anything')).resolves.toBe(false);
  });
});
