import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { DomainError } from '@app/common';

export interface WalkResult {
  files: string[];
  skipped: { path: string; reason: string }[];
  /** True when the walk stopped at the entry bound with entries left unvisited. */
  truncated: boolean;
}

const LEAVES_ROOTS = 'symlink leads outside the scan roots';

export const isInside = (path: string, root: string): boolean =>
  path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** The roots as they are on disk (symlinks resolved); roots that do not exist are left out. */
async function realRoots(roots: string[]): Promise<string[]> {
  const real = await Promise.all(roots.map((root) => realpath(root).catch(() => undefined)));
  return real.filter((root): root is string => root !== undefined);
}

/**
 * The directory a scan may read: inside one of `roots` both as written and once symlinks are resolved,
 * else 400 (outside, whether it exists or not, so nothing outside the roots can be probed); 404 when it
 * does not exist inside them.
 */
export async function confinedDirectory(dir: string, roots: string[]): Promise<{ directory: string; roots: string[] }> {
  const directory = resolve(dir);
  const outside = () =>
    new DomainError('VALIDATION_FAILED', 'The directory is outside the scan roots (SCAN_ROOTS)', [
      { field: 'dir', errors: ['must be inside one of the scan roots'] },
    ]);
  const real = await realRoots(roots);
  if (!roots.some((root) => isInside(directory, root)) && !real.some((root) => isInside(directory, root)))
    throw outside();
  let resolved: string;
  try {
    resolved = await realpath(directory);
    if (!(await stat(resolved)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new DomainError('NOT_FOUND', `Directory not found: ${directory}`, { directory });
  }
  if (!real.some((root) => isInside(resolved, root))) throw outside();
  return { directory: resolved, roots: real };
}

/**
 * The regular files under `directory` (hidden entries skipped), visiting at most `maxEntries` entries.
 * Symlinks are followed only while they stay inside `roots`; one leading out is skipped and reported,
 * and a directory reached twice (a symlink loop) is walked once.
 */
export async function confinedWalk(directory: string, roots: string[], maxEntries: number): Promise<WalkResult> {
  const result: WalkResult = { files: [], skipped: [], truncated: false };
  const seen = new Set<string>([directory]);
  const pending = [directory];
  let visited = 0;
  while (pending.length) {
    const dir = pending.pop()!;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      if (++visited > maxEntries) {
        result.truncated = true;
        return finish(result);
      }
      const path = join(dir, entry.name);
      let target = path;
      if (entry.isSymbolicLink()) {
        const real = await realpath(path).catch(() => undefined);
        if (!real) {
          result.skipped.push({ path, reason: 'broken symlink' });
          continue;
        }
        if (!roots.some((root) => isInside(real, root))) {
          result.skipped.push({ path, reason: LEAVES_ROOTS });
          continue;
        }
        target = real;
      }
      const info = await lstat(target).catch(() => undefined);
      if (info?.isDirectory()) {
        if (!seen.has(target)) {
          seen.add(target);
          pending.push(target);
        }
      } else if (info?.isFile()) result.files.push(path);
    }
  }
  return finish(result);
}

function finish(result: WalkResult): WalkResult {
  result.files.sort();
  return result;
}
