/**
 * The same contract as `runLoad` (bench/lib/load.ts), driven by autocannon (HdrHistogram latencies, its
 * own pipelined-free HTTP/1.1 client) — the load generator the issue asks for. A measured window is
 * bounded by time (`durationMs`); a count-bound call (durationMs ≥ 60 s, e.g. filling Redis with N
 * queued tasks) sends exactly `maxRequests`. Select with BENCH_LOADGEN=autocannon (default) | builtin.
 */
import autocannon from 'autocannon';
import { IncomingHttpHeaders, request } from 'node:http';
import { LoadOptions, LoadResult } from './load';

const COUNT_BOUND_MS = 60_000;

export async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  const { url, method = 'GET', body, concurrency, maxRequests, durationMs } = options;
  // As runLoad does: a body is JSON.
  const headers =
    body === undefined ? (options.headers ?? {}) : { 'content-type': 'application/json', ...options.headers };
  const sample = await sampleResponse(options);
  const bodyOf = () => (typeof body === 'function' ? body() : body);
  const countBound = durationMs >= COUNT_BOUND_MS;
  const started = process.hrtime.bigint();
  const result = await autocannon({
    url,
    connections: concurrency,
    timeout: Math.ceil((options.timeoutMs ?? 10_000) / 1000),
    ...(countBound ? { amount: Math.max(1, maxRequests - 1) } : { duration: durationMs / 1000 }),
    requests: [{ method, headers, setupRequest: (req) => ({ ...req, body: bodyOf() }) }],
  });
  const seconds = countBound ? Number(process.hrtime.bigint() - started) / 1e9 : result.duration;
  const statuses: Record<string, number> = {};
  for (const cls of ['1xx', '2xx', '3xx', '4xx', '5xx'] as const) if (result[cls]) statuses[cls] = result[cls];
  const requests = result.requests.total;
  return {
    requests,
    ok: result['2xx'],
    statuses,
    errors: result.errors + result.timeouts,
    ...(result.errors + result.timeouts ? { firstError: `${result.errors} errors, ${result.timeouts} timeouts` } : {}),
    seconds,
    rps: requests / seconds,
    latencyMs: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    sampleHeaders: sample.headers,
    sampleBody: sample.body,
  };
}

/** One request first, to show what the route answers (autocannon reports counts, not bodies). */
function sampleResponse(options: LoadOptions): Promise<{ headers?: IncomingHttpHeaders; body?: string }> {
  const body = typeof options.body === 'function' ? options.body() : options.body;
  return new Promise((resolve) => {
    const headers = body === undefined ? options.headers : { 'content-type': 'application/json', ...options.headers };
    const req = request(options.url, { method: options.method ?? 'GET', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ headers: res.headers, body: text.slice(0, 500) }));
    });
    req.on('error', () => resolve({}));
    req.end(body);
  });
}
