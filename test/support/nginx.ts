/**
 * Nginx for tests: the repo's configs templated into a temp prefix (upstream and listen port rewritten), started
 * unprivileged. nginx must be installed (`apt-get install -y nginx`; .ci/run does it): the tests never skip.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './redis-server';
import { waitFor } from './wait-for';

export { freePort };

export const REPO = resolve(__dirname, '..', '..');
export const PROD_CONF = join(REPO, 'nginx', 'nginx.conf');
export const DEV_CONF = join(REPO, 'nginx', 'nginx.dev.conf');

export const NGINX_MISSING =
  'nginx is not installed (not on PATH nor in /usr/sbin). These tests need it and never skip: ' +
  'install it with `apt-get install -y nginx` (Debian does not start the service); .ci/run installs it in CI.';

/** Replaces the single match of `pattern`; throws when the config no longer has exactly one (the test is stale). */
export function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  const count = [...text.matchAll(new RegExp(pattern.source, flags))].length;
  if (count !== 1) throw new Error(`${what}: expected one match of ${String(pattern)} in the config, found ${count}`);
  return text.replace(pattern, () => replacement);
}

/** Points the upstream block (between its BEGIN/END markers) at one local server. */
export function withUpstream(conf: string, port: number): string {
  return replaceOnce(
    conf,
    /# BEGIN api servers[^\n]*\n[\s\S]*?# END api servers/,
    `# BEGIN api servers (test)\n        server 127.0.0.1:${port} max_fails=3 fail_timeout=10s;\n        # END api servers`,
    'upstream block',
  );
}

/** nginx.dev.conf on free ports: the API on `listenPort`, stub_status on `statusPort`, one local upstream. */
export function devConfFor(listenPort: number, upstreamPort: number, statusPort: number): string {
  let conf = replaceOnce(
    readFileSync(DEV_CONF, 'utf8'),
    /listen 127\.0\.0\.1:8080;/,
    `listen 127.0.0.1:${listenPort};`,
    'dev listen',
  );
  conf = replaceOnce(conf, /listen 127\.0\.0\.1:8081;/, `listen 127.0.0.1:${statusPort};`, 'stub_status listen');
  return withUpstream(conf, upstreamPort);
}

/** A temp nginx prefix: logs/ exists, and workers (nobody when run as root) can traverse it. */
export function makePrefix(): string {
  const dir = mkdtempSync(join(tmpdir(), 'data-sync-nginx-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'logs'));
  return dir;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Call {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Source address (127.0.0.x): nginx keys its limits on it. */
  from?: string;
}

/** One request on a fresh connection. A reply that arrives while the body is still being sent (413) counts. */
export function call(
  port: number,
  { method = 'GET', path, headers = {}, body, from = '127.0.0.1' }: Call,
): Promise<Reply> {
  return new Promise((done, fail) => {
    let answered = false;
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        localAddress: from,
        agent: false,
        timeout: 20_000,
        headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out: ${method} ${path}`)));
    req.on('error', (error) => {
      if (!answered) fail(error);
    });
    req.end(body);
  });
}

export interface RunningNginx {
  port: number;
  prefix: string;
  log(): string;
  stop(): Promise<void>;
}

/** Starts nginx.dev.conf in a fresh prefix in front of `upstreamPort`; resolves once it answers /health/live. */
export async function startDevNginx(nginx: string, upstreamPort: number, expectHealthy = true): Promise<RunningNginx> {
  const port = await freePort();
  const prefix = makePrefix();
  const confPath = join(prefix, 'nginx.dev.conf');
  writeFileSync(confPath, devConfFor(port, upstreamPort, await freePort()));
  const master: ChildProcess = spawn(nginx, ['-p', prefix, '-c', confPath, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  master.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  master.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const running: RunningNginx = {
    port,
    prefix,
    log: () => output,
    async stop() {
      if (master.exitCode === null && master.signalCode === null) {
        const exited = new Promise<void>((done) => master.once('exit', () => done()));
        master.kill('SIGQUIT'); // graceful stop of the master and its workers
        const stopped = await Promise.race([exited.then(() => true), unrefSleep(10_000).then(() => false)]);
        if (!stopped) {
          master.kill('SIGKILL');
          await Promise.race([exited, unrefSleep(2_000)]);
        }
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      async () => {
        if (master.exitCode !== null) throw new Error(`nginx exited with ${master.exitCode}: ${output}`);
        return (await call(port, { path: '/health/live' }).catch(() => undefined))?.status;
      },
      (status) => status === 200 || (!expectHealthy && status !== undefined),
      { timeoutMs: 15_000, intervalMs: 100, what: () => `nginx answering on 127.0.0.1:${port}: ${output}` },
    );
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}

/** A sleep that does not keep the process alive (for races against an exit). */
export const unrefSleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms).unref());
