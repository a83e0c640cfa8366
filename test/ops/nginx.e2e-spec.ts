/**
 * The nginx configs, for real: `nginx -t` on both (the upstream pointed at a stub), then nginx.dev.conf started
 * unprivileged in a temp prefix in front of a stub HTTP server that stands in for the API.
 *
 * nginx must be installed (`apt-get install -y nginx`; .ci/run does it). Without it these tests fail: they never
 * skip. Everything listens on 127.0.0.1 only. The per-IP limits are checked from distinct loopback source addresses
 * (127.0.0.x, all on this machine's lo interface) so each test starts with empty buckets whatever ran before.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  call,
  DEV_CONF,
  devConfFor,
  freePort,
  makePrefix,
  NGINX_MISSING,
  PROD_CONF,
  Reply,
  replaceOnce,
  RunningNginx,
  startDevNginx,
  unrefSleep,
  withUpstream,
} from '../support/nginx';
import { findTool } from '../support/tools';
import { waitFor } from '../support/wait-for';
const TWO_MB = 2 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// nginx binary and config templating
// ---------------------------------------------------------------------------------------------------------------

/** The production config made testable in a prefix: local upstream and port, paths under the prefix. */
function prodConfFor(listenPort: number, upstreamPort: number): string {
  let conf = withUpstream(readFileSync(PROD_CONF, 'utf8'), upstreamPort);
  conf = replaceOnce(conf, /\n\s*listen \[::\]:80 default_server;/, '', 'IPv6 listen');
  conf = replaceOnce(conf, /listen 80 default_server;/, `listen 127.0.0.1:${listenPort} default_server;`, 'listen');
  conf = replaceOnce(conf, /pid \/run\/nginx\.pid;/, 'pid logs/nginx.pid;', 'pid');
  if (!conf.includes('/var/log/nginx/')) throw new Error('production config: expected logs under /var/log/nginx/');
  conf = conf.replaceAll('/var/log/nginx/', 'logs/');
  if (process.getuid?.() !== 0) conf = replaceOnce(conf, /\nuser [^;]+;/, '', 'user');
  // Debian's compiled-in temp paths are under root-owned /var/lib/nginx: keep them in the prefix instead.
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${t}_temp;`);
  return replaceOnce(conf, /\nhttp \{\n/, `\nhttp {\n${temp.join('\n')}\n`, 'http block');
}

function nginxTest(nginx: string, prefix: string, confPath: string): { ok: boolean; output: string } {
  const run = spawnSync(nginx, ['-t', '-p', prefix, '-c', confPath], { encoding: 'utf8', timeout: 20_000 });
  return { ok: run.status === 0, output: `${run.stdout ?? ''}${run.stderr ?? ''}` };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP client and the stub API
// ---------------------------------------------------------------------------------------------------------------

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bytes: number;
}

/** Stands in for the API: records each request, answers 200 with what it saw, echoes X-Request-Id like the app. */
function startStub(seen: Seen[]): Promise<Server> {
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      const entry: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bytes };
      seen.push(entry);
      if (entry.url.startsWith('/api/data-sync/events')) {
        // An event stream that sends one event at once and the next 1.5 s later, without X-Accel-Buffering.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        setTimeout(() => res.end('data: second\n\n'), 1_500).unref();
        return;
      }
      const delay = entry.url.startsWith('/api/slow') ? 1_500 : 0;
      setTimeout(() => {
        const id = req.headers['x-request-id'];
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(typeof id === 'string' ? { 'x-request-id': id } : {}),
        });
        res.end(JSON.stringify(entry));
      }, delay).unref();
    });
  });
  // Longer than nginx's upstream keepalive_timeout (60 s), as Fastify's default (72 s) is: no reuse races.
  server.keepAliveTimeout = 75_000;
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done(server));
  });
}

function statusCounts(replies: Reply[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of replies) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

// ---------------------------------------------------------------------------------------------------------------

describe('nginx reverse proxy (nginx/nginx.conf, nginx/nginx.dev.conf)', () => {
  const nginx = findTool('nginx');
  const seen: Seen[] = [];
  const prefixes: string[] = [];
  let stub: Server | undefined;
  let stubPort = 0;
  let port = 0;
  let prefix = '';
  let master: ChildProcess | undefined;
  let masterLog = '';
  let statusPort = 0;
  let nextClient = 1;
  /** A loopback source address no earlier test used: fresh rate-limit and connection buckets. */
  const freshClient = () => `127.0.0.${++nextClient}`;

  beforeAll(async () => {
    if (!nginx) throw new Error(NGINX_MISSING);
    stub = await startStub(seen);
    stubPort = (stub.address() as AddressInfo).port;

    port = await freePort();
    statusPort = await freePort();
    prefix = makePrefix();
    prefixes.push(prefix);
    const confPath = join(prefix, 'nginx.dev.conf');
    writeFileSync(confPath, devConfFor(port, stubPort, statusPort));
    master = spawn(nginx, ['-p', prefix, '-c', confPath, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    master.stdout?.on('data', (chunk: Buffer) => (masterLog += chunk.toString()));
    master.stderr?.on('data', (chunk: Buffer) => (masterLog += chunk.toString()));

    const started = master;
    await waitFor(
      async () => {
        if (started.exitCode !== null) throw new Error(`nginx exited with ${started.exitCode}: ${masterLog}`);
        return (await call(port, { path: '/health/live' }).catch(() => undefined))?.status;
      },
      (status) => status === 200,
      { timeoutMs: 15_000, intervalMs: 100, what: () => `nginx answering on 127.0.0.1:${port}: ${masterLog}` },
    );
  });

  afterAll(async () => {
    if (master && master.exitCode === null && master.signalCode === null) {
      const exited = new Promise<void>((done) => master?.once('exit', () => done()));
      master.kill('SIGQUIT'); // graceful stop of the master and its workers
      const stopped = await Promise.race([exited.then(() => true), unrefSleep(10_000).then(() => false)]);
      if (!stopped) {
        master.kill('SIGKILL');
        await Promise.race([exited, unrefSleep(2_000)]);
      }
    }
    stub?.closeAllConnections();
    if (stub) await new Promise<void>((done) => stub?.close(() => done()));
    for (const dir of prefixes) rmSync(dir, { recursive: true, force: true });
  });

  describe('nginx -t', () => {
    it('accepts the production config (upstream pointed at the stub)', async () => {
      const dir = makePrefix();
      prefixes.push(dir);
      const confPath = join(dir, 'nginx.conf');
      writeFileSync(confPath, prodConfFor(await freePort(), stubPort));
      const result = nginxTest(nginx!, dir, confPath);
      expect(result.output).toContain('test is successful');
      expect(result.ok).toBe(true);
    });

    it('accepts the dev config', async () => {
      const dir = makePrefix();
      prefixes.push(dir);
      const confPath = join(dir, 'nginx.dev.conf');
      writeFileSync(confPath, devConfFor(await freePort(), stubPort, await freePort()));
      const result = nginxTest(nginx!, dir, confPath);
      expect(result.output).toContain('test is successful');
      expect(result.ok).toBe(true);
    });

    it('keeps the limits of the dev config identical to production', () => {
      const limitLines = (file: string) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line) => line.trim())
          .filter((line) =>
            /^(limit_req\w*|limit_conn\w*|client_max_body_size|proxy_request_buffering|proxy_buffering|proxy_read_timeout|proxy_set_header|add_header|location|error_page)\b/.test(
              line,
            ),
          );
      const production = limitLines(PROD_CONF);
      expect(production).toEqual(
        expect.arrayContaining([
          'limit_req_zone $binary_remote_addr zone=api_general:20m rate=20r/s;',
          'limit_req_zone $sync_write_key     zone=api_sync_write:10m rate=5r/s;',
          'limit_req_zone $binary_remote_addr zone=api_auth:10m rate=1r/s;',
          'limit_req zone=api_general burst=100 nodelay;',
          'limit_req zone=api_sync_write burst=20 nodelay;',
          'limit_req zone=api_auth burst=20 nodelay;',
          'limit_req_status 429;',
          'limit_conn_status 429;',
          'limit_conn conn_per_ip 50;',
          'error_page 502 503 504 =503 @upstream_unavailable;',
        ]),
      );
      expect(limitLines(DEV_CONF)).toEqual(production);
    });
  });

  describe('nginx.dev.conf in front of a stub API', () => {
    it('proxies /api with X-Request-Id passed through and X-Forwarded-* set, overwriting a client-sent X-Forwarded-For', async () => {
      const from = freshClient();
      const reply = await call(port, {
        path: '/api/catalog?x=1',
        headers: { 'x-request-id': 'ops-test-1', 'x-forwarded-for': '198.51.100.66', 'x-real-ip': '198.51.100.67' },
        from,
      });
      expect(reply.status).toBe(200);
      expect(reply.headers['x-request-id']).toBe('ops-test-1');
      const upstream = JSON.parse(reply.body) as Seen;
      expect(upstream.url).toBe('/api/catalog?x=1');
      expect(upstream.headers['x-request-id']).toBe('ops-test-1');
      expect(upstream.headers['x-forwarded-for']).toBe(from);
      expect(upstream.headers['x-real-ip']).toBe(from);
      expect(upstream.headers['x-forwarded-proto']).toBe('http');
      expect(upstream.headers.host).toBe('127.0.0.1');
    });

    it('generates a request id when none (or an unsafe one) is given, and logs it as JSON', async () => {
      const from = freshClient();
      const cases: Record<string, string>[] = [{}, { 'x-request-id': 'no spaces or "quotes" allowed' }];
      for (const headers of cases) {
        const reply = await call(port, { path: '/api/catalog', headers, from });
        expect(reply.status).toBe(200);
        const upstream = JSON.parse(reply.body) as Seen;
        expect(upstream.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
        expect(reply.headers['x-request-id']).toBe(upstream.headers['x-request-id']);
      }
      const lines = readFileSync(join(prefix, 'logs', 'access.json'), 'utf8')
        .trim()
        .split('\n');
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ request_id: 'ops-test-1', method: 'GET', uri: '/api/catalog?x=1', status: 200 }),
        ]),
      );
      // What prometheus-nginxlog-exporter (deploy/prometheus/nginxlog-exporter.hcl) reads from each JSON line:
      // `status` and `request_time` by name, and its `method` label from the first word of `request`.
      for (const entry of entries) {
        expect(entry).toEqual(
          expect.objectContaining({
            status: expect.any(Number),
            request_time: expect.any(Number),
            request: expect.stringMatching(/^(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS) \/\S* HTTP\/1\.1$/),
          }),
        );
      }
    });

    it('never limits the health probes (60 concurrent /health/live, 10 /health/ready: all 200)', async () => {
      const from = freshClient();
      const live = Array.from({ length: 60 }, () => call(port, { path: '/health/live', from }));
      const ready = Array.from({ length: 10 }, () => call(port, { path: '/health/ready', from }));
      const replies = await Promise.all([...live, ...ready]);
      expect(statusCounts(replies)).toEqual({ 200: 70 });
    });

    it('refuses /metrics and /admin/queues without reaching the API; unknown paths are 404', async () => {
      const from = freshClient();
      const before = seen.length;
      for (const path of ['/metrics', '/metrics/', '/admin/queues', '/admin/queues/api/queues', '/admin']) {
        const reply = await call(port, { path, from });
        expect({ path, status: reply.status }).toEqual({ path, status: 403 });
      }
      expect((await call(port, { path: '/', from })).status).toBe(404);
      expect(seen.slice(before).map((s) => s.url)).toEqual([]);
    });

    it('lets the admin allow-list (127.0.0.1) reach /admin/queues, and serves stub_status for the exporter', async () => {
      const before = seen.length;
      const reply = await call(port, { path: '/admin/queues', from: '127.0.0.1' });
      expect(reply.status).toBe(200);
      expect(seen.slice(before).map((s) => s.url)).toEqual(['/admin/queues']);
      const status = await call(statusPort, { path: '/stub_status' });
      expect(status.status).toBe(200);
      expect(status.body).toMatch(/^Active connections: \d+/);
    });

    it('refuses a 2 MB body on a JSON route (413) but streams it through on the upload route', async () => {
      const from = freshClient();
      const body = Buffer.alloc(TWO_MB, 0x61);
      const json = await call(port, {
        method: 'POST',
        path: '/api/data-sync/single',
        headers: { 'content-type': 'application/json' },
        body,
        from,
      });
      expect(json.status).toBe(413);
      expect(JSON.parse(json.body)).toMatchObject({
        statusCode: 413,
        error: 'Payload Too Large',
        code: 'PAYLOAD_TOO_LARGE',
      });

      const upload = await call(port, {
        method: 'POST',
        path: '/api/data-sync/files',
        headers: { 'content-type': 'multipart/form-data; boundary=x', 'x-request-id': 'ops-upload' },
        body,
        from,
      });
      expect(upload.status).toBe(200);
      expect(JSON.parse(upload.body)).toMatchObject({ method: 'POST', url: '/api/data-sync/files', bytes: TWO_MB });
    });

    it('limits /api/auth/ to 1 r/s burst 20 per IP: an office logs in, a flood gets 429 with a JSON body', async () => {
      const from = freshClient();
      const replies = await Promise.all(
        Array.from({ length: 30 }, () => call(port, { method: 'POST', path: '/api/auth/login', from })),
      );
      const counts = statusCounts(replies);
      expect(Object.keys(counts).sort()).toEqual(['200', '429']);
      expect(counts[200]).toBeGreaterThanOrEqual(21); // 1 + burst 20 at once, more as a second passes
      expect(counts[200]).toBeLessThanOrEqual(25);
      const refused = replies.find((r) => r.status === 429)!;
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(refused.headers['x-content-type-options']).toBe('nosniff');
      expect(JSON.parse(refused.body)).toMatchObject({
        statusCode: 429,
        error: 'Too Many Requests',
        code: 'RATE_LIMITED',
      });
      // Another client is not affected.
      expect((await call(port, { method: 'POST', path: '/api/auth/login', from: freshClient() })).status).toBe(200);
    });

    it('limits data-sync writes (POST/DELETE) to 5 r/s burst 20 per IP, not reads', async () => {
      const from = freshClient();
      const replies = await Promise.all(
        Array.from({ length: 35 }, () => call(port, { method: 'POST', path: '/api/data-sync/single', from })),
      );
      const counts = statusCounts(replies);
      expect(Object.keys(counts).sort()).toEqual(['200', '429']);
      expect(counts[200]).toBeGreaterThanOrEqual(21);
      expect(counts[200]).toBeLessThanOrEqual(30);
      expect((await call(port, { path: '/api/data-sync/tasks', from })).status).toBe(200);
    });

    it('counts DELETE in the same write bucket as POST: a mixed flood of 20 + 20 passes at most 30', async () => {
      // A single DELETE after a POST flood would race the bucket's refill (one token per 200 ms) on a slow
      // machine; a mixed flood cannot: if DELETEs were not limited, all 20 would pass beside the 21 POSTs.
      const from = freshClient();
      const replies = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 2 === 0
            ? call(port, { method: 'POST', path: '/api/data-sync/single', from })
            : call(port, { method: 'DELETE', path: '/api/data-sync/cancel-task/t1', from }),
        ),
      );
      const counts = statusCounts(replies);
      expect(Object.keys(counts).sort()).toEqual(['200', '429']);
      expect(counts[200]).toBeGreaterThanOrEqual(21);
      expect(counts[200]).toBeLessThanOrEqual(30);
      expect((await call(port, { path: '/api/data-sync/tasks', from })).status).toBe(200);
    });

    it('allows 50 concurrent requests per IP (limit_conn): 55 slow ones give 50 × 200 and 5 × 429', async () => {
      const from = freshClient();
      const replies = await Promise.all(Array.from({ length: 55 }, () => call(port, { path: '/api/slow', from })));
      expect(statusCounts(replies)).toEqual({ 200: 50, 429: 5 });
    });

    it('limits the general API to 20 r/s burst 100 per IP', async () => {
      const from = freshClient();
      const replies: Reply[] = [];
      const started = Date.now();
      for (let batch = 0; batch < 7; batch++) {
        replies.push(
          ...(await Promise.all(Array.from({ length: 25 }, () => call(port, { path: '/api/catalog', from })))),
        );
      }
      const seconds = (Date.now() - started) / 1000;
      const counts = statusCounts(replies);
      expect(Object.keys(counts).sort()).toEqual(['200', '429']);
      expect(counts[200]).toBeGreaterThanOrEqual(101);
      expect(counts[200]).toBeLessThanOrEqual(101 + Math.ceil(20 * seconds) + 1);
    });

    it('streams /api/data-sync/events unbuffered: the first event arrives before the upstream finishes', async () => {
      const from = freshClient();
      const started = Date.now();
      const firstChunkAt = await new Promise<number>((done, fail) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/api/data-sync/events', localAddress: from, agent: false },
          (res) => {
            res.once('data', () => {
              done(Date.now() - started);
              req.destroy();
            });
          },
        );
        req.on('error', fail);
        req.end();
      });
      expect(firstChunkAt).toBeLessThan(1_400); // the stub sends the second event, and ends, at 1.5 s
    });

    it('marks its own error pages nosniff too (403, 404, 413)', async () => {
      const from = freshClient();
      for (const path of ['/metrics', '/nothing-here']) {
        expect((await call(port, { path, from })).headers['x-content-type-options']).toBe('nosniff');
      }
      const tooLarge = await call(port, {
        method: 'POST',
        path: '/api/data-sync/single',
        headers: { 'content-type': 'application/json' },
        body: Buffer.alloc(TWO_MB, 0x61),
        from,
      });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers['x-content-type-options']).toBe('nosniff');
    });
  });
});

describe('nginx.dev.conf with the API stopped', () => {
  const nginx = findTool('nginx');
  let proxy: RunningNginx | undefined;

  beforeAll(async () => {
    if (!nginx) throw new Error(NGINX_MISSING);
    // Nothing listens on the upstream port: every API instance is down.
    proxy = await startDevNginx(nginx, await freePort(), false);
  });
  afterAll(() => proxy?.stop());

  it('answers 503 with a JSON error body (not 502/504), Retry-After and nosniff', async () => {
    for (const [method, path] of [
      ['GET', '/api/data-sync/tasks'],
      ['POST', '/api/auth/login'],
      ['GET', '/health/ready'],
    ]) {
      const reply = await call(proxy!.port, { method, path, from: '127.0.0.200' });
      expect({ path, status: reply.status }).toEqual({ path, status: 503 });
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['retry-after']).toBe('5');
      expect(JSON.parse(reply.body)).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        code: 'DEPENDENCY_DOWN',
        requestId: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    }
  });
});
