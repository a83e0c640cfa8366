/**
 * A small closed-loop HTTP load generator: `concurrency` loops over one keep-alive Agent, each sending its
 * next request when the previous answer has been read completely, recording hrtime latency. Bounded by a
 * total request count and a deadline, whichever comes first; every request has a timeout.
 */
import { Agent, IncomingHttpHeaders, request } from 'node:http';
import { percentile } from './stats';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Request body (JSON text); a function builds one per request. */
  body?: string | (() => string);
  concurrency: number;
  maxRequests: number;
  durationMs: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  /** Responses with a 2xx status. */
  ok: number;
  statuses: Record<string, number>;
  errors: number;
  firstError?: string;
  seconds: number;
  rps: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Headers of the first response, to see what the route sends (e.g. X-RateLimit-*). */
  sampleHeaders?: IncomingHttpHeaders;
  sampleBody?: string;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { concurrency, maxRequests, durationMs } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const url = new URL(options.url);
  const latencies = new Float64Array(maxRequests);
  const statuses: Record<string, number> = {};
  let issued = 0;
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  let sampleHeaders: IncomingHttpHeaders | undefined;
  let sampleBody: string | undefined;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + durationMs;
  let lastEnd = started;

  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const body = typeof options.body === 'function' ? options.body() : options.body;
      const t0 = process.hrtime.bigint();
      const finish = (status: string, error?: string): void => {
        const t1 = process.hrtime.bigint();
        latencies[done++] = Number(t1 - t0) / 1e6;
        lastEnd = t1;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (error) {
          errors++;
          firstError ??= error;
        }
        resolve();
      };
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: options.method ?? 'GET',
          headers: {
            ...options.headers,
            ...(body !== undefined
              ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
              : {}),
          },
        },
        (res) => {
          const capture = sampleHeaders === undefined;
          if (capture) sampleHeaders = res.headers;
          let text = '';
          res.on('data', (chunk: Buffer) => {
            if (capture) text += chunk.toString();
          });
          res.on('end', () => {
            if (capture) sampleBody = text.slice(0, 500);
            finish(String(res.statusCode));
          });
          res.on('error', (error) => finish('error', error.message));
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on('error', (error) => finish('error', error.message));
      req.end(body);
    });

  const loop = async (): Promise<void> => {
    while (issued < maxRequests && Date.now() < deadline) {
      issued++;
      await once();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  agent.destroy();

  const seconds = Number(lastEnd - started) / 1e9;
  const sorted = latencies.subarray(0, done).sort();
  let sum = 0;
  for (const l of sorted) sum += l;
  const ok = Object.entries(statuses)
    .filter(([s]) => s.startsWith('2'))
    .reduce((n, [, c]) => n + c, 0);
  return {
    requests: done,
    ok,
    statuses,
    errors,
    firstError,
    seconds,
    rps: done / seconds,
    latencyMs: {
      mean: done ? sum / done : NaN,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: done ? sorted[done - 1] : NaN,
    },
    sampleHeaders,
    sampleBody,
  };
}
