import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { hashTree } from './tree-hash';

/**
 * The production entries compiled to JavaScript once per state of the sources, for the suites that spawn the API,
 * the worker or `npm start`'s entry as processes. Loading ~300 TypeScript files through ts-node costs each spawned
 * process ≈ 4.6 s of CPU; loading the compiled files costs a fraction of a second, and it is what production runs.
 * Emitted by `tsc --noCheck` (≈ 11 s of CPU once: `npm test` type-checks before Jest starts) into
 * `.test-dist/<hash of the sources>`, so a changed source builds anew and concurrent Jest workers share one build.
 */
const REPO = resolve(__dirname, '..', '..');
const ROOT = join(REPO, '.test-dist');
const SOURCE_DIRS = ['apps', 'libs', 'src'];
const STALE_LOCK_MS = 180_000;

export interface BuiltEntries {
  /** The compiled tree; pass it as TS_NODE_BASEURL so tsconfig-paths maps `@app/*` into it. */
  dir: string;
  /** The compiled file of a source entry such as `apps/worker/src/main.ts`. */
  entry(source: string): string;
}

let built: Promise<BuiltEntries> | undefined;

/**
 * A compiled entry (`apps/worker/src/main.ts`, …) as a child process, as the npm start scripts run it
 * (`node -r tsconfig-paths/register dist/…`), with the test's environment over this one's; output piped.
 */
export async function spawnBuilt(source: string, env: Record<string, string | undefined>): Promise<ChildProcess> {
  const { dir, entry } = await builtEntries();
  return spawn(process.execPath, ['-r', 'tsconfig-paths/register', entry(source)], {
    cwd: REPO,
    env: { ...process.env, NODE_OPTIONS: '', TS_NODE_BASEURL: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function builtEntries(): Promise<BuiltEntries> {
  built ??= build().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

async function build(): Promise<BuiltEntries> {
  const dir = join(ROOT, sourcesHash());
  const result: BuiltEntries = { dir, entry: (source) => join(dir, source.replace(/\.ts$/, '.js')) };
  const lock = `${dir}.lock`;
  mkdirSync(ROOT, { recursive: true });
  for (;;) {
    if (existsSync(dir)) return result;
    if (tryLock(lock)) break;
    await sleep(250);
  }
  try {
    if (existsSync(dir)) return result;
    const scratch = `${dir}.build-${process.pid}`;
    rmSync(scratch, { recursive: true, force: true });
    await promisify(execFile)(
      process.execPath,
      [
        require.resolve('typescript/bin/tsc'),
        ...['-p', join(REPO, 'tsconfig.build.json'), '--noCheck', '--incremental', 'false', '--outDir', scratch],
      ],
      { cwd: REPO, maxBuffer: 16 * 1024 * 1024 },
    );
    renameSync(scratch, dir); // whole or not at all: a reader never sees a half-written tree
    removeOtherBuilds(dir);
    return result;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** mkdir is atomic: the one that creates the lock builds; a lock left by a killed run expires. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    } catch {
      // removed meanwhile by its owner
    }
    return false;
  }
}

function removeOtherBuilds(keep: string): void {
  for (const name of readdirSync(ROOT)) {
    const path = join(ROOT, name);
    if (path !== keep && !name.includes('.')) rmSync(path, { recursive: true, force: true });
  }
}

function sourcesHash(): string {
  const hash = createHash('sha1');
  // The lock too: decorator metadata is emitted from the installed packages' types.
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'])
    hash.update(readFileSync(join(REPO, file)));
  const source = (name: string) => name.endsWith('.ts') && !name.endsWith('.spec.ts');
  for (const dir of SOURCE_DIRS) hashTree(hash, REPO, join(REPO, dir), source);
  return hash.digest('hex').slice(0, 16);
}
