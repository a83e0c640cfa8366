import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '@app/common';
import { confinedDirectory, confinedWalk } from './confined-walk';

describe(confinedWalk.name, () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'walk-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'a/b'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(root, 'a/one.csv'), 'x');
    writeFileSync(join(root, 'a/b/two.csv'), 'x');
    writeFileSync(join(root, '.hidden.csv'), 'x');
    writeFileSync(join(outside, 'secret.csv'), 'x');
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('walks the files inside, follows symlinks that stay inside once, reports those that leave', async () => {
    symlinkSync(join(root, 'a'), join(root, 'loop')); // a second way into a/, and a cycle for a naive walk
    symlinkSync(join(root, 'a'), join(root, 'a/b/back'));
    symlinkSync(outside, join(root, 'out-dir'));
    symlinkSync(join(outside, 'secret.csv'), join(root, 'out.csv'));
    symlinkSync(join(base, 'missing'), join(root, 'dangling'));
    const result = await confinedWalk(root, [root], 1_000);
    expect(result.files).toEqual([join(root, 'a/b/two.csv'), join(root, 'a/one.csv')]);
    expect(result.skipped).toEqual(
      expect.arrayContaining([
        { path: join(root, 'out-dir'), reason: 'symlink leads outside the scan roots' },
        { path: join(root, 'out.csv'), reason: 'symlink leads outside the scan roots' },
        { path: join(root, 'dangling'), reason: 'broken symlink' },
      ]),
    );
    expect(result.truncated).toBe(false);
  });

  it('stops at the entry bound and says so', async () => {
    for (let i = 0; i < 20; i++) writeFileSync(join(root, `f${i}.csv`), 'x');
    const result = await confinedWalk(root, [root], 5);
    expect(result.truncated).toBe(true);
    expect(result.files.length).toBeLessThanOrEqual(5);
  });
});

describe(confinedDirectory.name, () => {
  let base: string;
  beforeEach(() => (base = mkdtempSync(join(tmpdir(), 'confine-'))));
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: unknown) => (error instanceof DomainError ? error.code : 'other'),
    );

  it('accepts a directory inside a root, refuses one outside as written or through a symlink', async () => {
    const root = join(base, 'root');
    mkdirSync(join(root, 'in'), { recursive: true });
    symlinkSync('/etc', join(root, 'etc'));
    expect(await codeOf(confinedDirectory(join(root, 'in'), [root]))).toBe('ok');
    expect(await codeOf(confinedDirectory(join(root, 'etc'), [root]))).toBe('VALIDATION_FAILED');
    expect(await codeOf(confinedDirectory(`${root}/../..`, [root]))).toBe('VALIDATION_FAILED');
    expect(await codeOf(confinedDirectory(`${root}-sibling`, [root]))).toBe('VALIDATION_FAILED');
    expect(await codeOf(confinedDirectory('/nowhere/at/all', [root]))).toBe('VALIDATION_FAILED');
    expect(await codeOf(confinedDirectory(join(root, 'missing'), [root]))).toBe('NOT_FOUND');
  });
});
