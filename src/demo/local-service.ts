import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeReady } from './api-client';

/** The service this demo started, and how to stop it. */
export interface LocalService {
  pid: number;
  logPath: string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  hasExited(): boolean;
  /** SIGTERM, wait for exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  repoRoot: string;
  port: number;
  logPath: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Starts API + worker in one process, like `npm run start:single`, from the already-built dist/.
 * stdout and stderr go to `logPath` (appended), so the demo's own output stays readable.
 */
export function startLocalService(options: StartOptions): LocalService {
  mkdirSync(dirname(options.logPath), { recursive: true });
  const log = openSync(options.logPath, 'a');
  let child: ChildProcess;
  try {
    writeSync(log, `\n--- ${new Date().toISOString()} demo: starting dist/src/main.js on port ${options.port} ---\n`);
    child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', 'dist/src/main.js'], {
      cwd: options.repoRoot,
      env: {
        ...options.env,
        TS_NODE_BASEURL: './dist',
        PORT: String(options.port),
      },
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log); // the child holds its own copy
  }
  let exitedWith: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = code ?? signal ?? 'unknown';
      resolve(exitedWith);
    });
    child.once('error', (error) => {
      exitedWith = `spawn error: ${error.message}`;
      resolve(exitedWith);
    });
  });
  return {
    pid: child.pid ?? -1,
    logPath: options.logPath,
    exited,
    hasExited: () => exitedWith !== undefined,
    async stop(graceMs = 20_000): Promise<void> {
      if (exitedWith !== undefined) return;
      child.kill('SIGTERM');
      const outcome = await Promise.race([exited, sleep(graceMs).then(() => 'timeout' as const)]);
      if (outcome === 'timeout' && exitedWith === undefined) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * Polls `/health/ready` until it answers 200. Fails early when `service` (one this demo started)
 * exits, and after `timeoutMs` otherwise.
 */
export async function waitForReady(baseUrl: string, timeoutMs: number, service?: LocalService): Promise<number> {
  const started = Date.now();
  let last: string = 'down';
  while (Date.now() - started < timeoutMs) {
    if (service?.hasExited()) {
      throw new Error(`the service exited (${String(await service.exited)}) before it was ready`);
    }
    last = await probeReady(baseUrl, 2_000);
    if (last === 'ready') return Date.now() - started;
    await sleep(500);
  }
  throw new Error(
    `${baseUrl}/health/ready did not answer 200 within ${Math.round(timeoutMs / 1000)} s (last: ${last})`,
  );
}

/** The last `n` lines of a log file, for error messages; '' when unreadable. */
export function tailOf(path: string, n = 20): string {
  try {
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return '';
  }
}
