import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where system tools live when a (non-root) PATH leaves them out. */
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/sbin', '/usr/bin'];

/** An executable by name from PATH or the system dirs, or undefined when the machine lacks it. */
export function findTool(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...SYSTEM_DIRS].filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}
