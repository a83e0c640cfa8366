import { Hash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Feeds `hash` every file under `dir` that `include` accepts (by file name; node_modules skipped), in a stable
 * order, each as its path relative to `root` and its content: a changed, added, removed or renamed file changes it.
 */
export function hashTree(hash: Hash, root: string, dir: string, include: (name: string) => boolean = () => true): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') hashTree(hash, root, path, include);
    } else if (include(entry.name)) {
      hash.update(relative(root, path)).update(readFileSync(path));
    }
  }
}
