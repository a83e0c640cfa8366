import { Server } from 'node:http';
import fc from 'fast-check';
import { largestLogLine, MAX_LOG_LINE_BYTES } from '@app/observability';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Schema-driven fuzz: every operation of the app's own OpenAPI document (so routes added later are
 * covered without editing this file) gets generated bad and edge-case values for each parameter and body
 * field, as each role. Asserted on every answer: no 5xx, the one error body on every 4xx, a bounded response
 * time. Seeded (FUZZ_SEED) and time-bounded (FUZZ_BUDGET_MS); the run's figures are printed.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 15);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 60_000);
const MAX_RESPONSE_MS = Number(process.env.FUZZ_MAX_RESPONSE_MS ?? 5_000);
/** Requests per operation per round; rounds repeat until the budget is spent. */
const PER_ROUND = 4;

type Role = 'anonymous' | 'normal' | 'premium' | 'admin';
const ROLES: Role[] = ['anonymous', 'normal', 'premium', 'admin'];

interface Schema {
  type?: string;
  $ref?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  allOf?: Schema[];
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: { kind: 'json'; schema: Schema } | { kind: 'multipart' };
  streams: boolean;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, Schema> };
}

// --- generated values -----------------------------------------------------------------------------------

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value];
  return value;
};

/** Text that has broken parsers and databases: NUL and control characters, lone surrogates, lookalikes. */
const hostileText = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfff',
    '\ud83d\ude00',
    '\u202e\u200b\ufeff',
    '\u0007\u001b[31m\r\n',
    '../../../../etc/passwd',
    '/',
    '%00',
    "'; drop table users; --",
    '${jndi:x}',
    '0x10',
    '1e309',
    'NaN',
    '-1',
    '99999999999999999999',
    'true',
    'null',
    '[]',
    '{}',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer({ min: 256, max: 3_000 }).map((n) => 'x'.repeat(n)),
);

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e308, -1e308, 1.5, 0.1, -0),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const wrongType = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, [], {}, [null], { $gt: '' }, { __proto__x: 1 }),
  fc.constant(nested(40)),
  fc.constant(Array.from({ length: 2_000 }, (_, i) => i)),
  hostileText,
  hostileNumber,
);

class Generator {
  constructor(private readonly schemas: Record<string, Schema>) {}

  resolve(schema: Schema | undefined): Schema {
    let s = schema ?? {};
    for (let i = 0; s.$ref && i < 10; i++) s = this.schemas[s.$ref.split('/').pop()!] ?? {};
    if (s.allOf) s = Object.assign({}, ...s.allOf.map((p) => this.resolve(p))) as Schema;
    return s;
  }

  /** A value for `schema`: often plausible, often hostile, sometimes of another type altogether. */
  value(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const plausible: fc.Arbitrary<unknown>[] = [];
    if (s.enum?.length) plausible.push(fc.constantFrom(...s.enum));
    if (s.type === 'integer' || s.type === 'number') plausible.push(hostileNumber);
    if (s.type === 'string') plausible.push(hostileText);
    if (s.type === 'boolean') plausible.push(fc.boolean());
    if (s.type === 'array' && depth < 3) {
      plausible.push(fc.array(this.value(s.items, depth + 1), { maxLength: 12 }));
    }
    if ((s.type === 'object' || s.properties) && depth < 3) plausible.push(this.object(s, depth));
    if (!plausible.length) plausible.push(hostileText, hostileNumber);
    return fc.oneof({ arbitrary: fc.oneof(...plausible), weight: 3 }, { arbitrary: wrongType, weight: 1 });
  }

  object(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const fields = Object.fromEntries(
      Object.entries(s.properties ?? {}).map(([name, field]) => [name, this.value(field, depth + 1)]),
    );
    return fc
      .tuple(
        fc.record(fields, { requiredKeys: [] }),
        fc.option(fc.dictionary(hostileText, wrongType, { maxKeys: 2 }), { freq: 4 }),
      )
      .map(([known, extra]) => ({ ...(extra ?? {}), ...known }));
  }
}

/** Percent-encodes the UTF-8 bytes of any string (encodeURIComponent throws on lone surrogates). */
const encode = (value: unknown): string =>
  [...Buffer.from(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null'), 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('')
    .slice(0, 4_000); // past ~16 KB of request head Node answers 431 itself, before the app

/** Header values fetch can send: visible Latin-1, no control characters. */
const headerSafe = (value: unknown): string | undefined => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text !== undefined && /^[\x20-\x7e\xa0-\xff]{0,1000}$/.test(text) ? text : undefined;
};

// --- the document ---------------------------------------------------------------------------------------

function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const op = raw as {
        parameters?: Parameter[];
        requestBody?: { content?: Record<string, { schema?: Schema }> };
        responses?: Record<string, { content?: Record<string, unknown> }>;
      };
      const content = op.requestBody?.content ?? {};
      const body = content['application/json']
        ? { kind: 'json' as const, schema: content['application/json'].schema ?? {} }
        : content['multipart/form-data']
          ? { kind: 'multipart' as const }
          : undefined;
      const streams =
        Object.values(op.responses ?? {}).some((r) => Object.keys(r.content ?? {}).includes('text/event-stream')) ||
        /events/.test(path);
      operations.push({ method, path, parameters: op.parameters ?? [], body, streams });
    }
  }
  return operations;
}

// --- the run --------------------------------------------------------------------------------------------

interface Sent {
  op: Operation;
  role: Role;
  url: string;
  status: number;
  body: unknown;
  ms: number;
}

describe('OpenAPI-driven fuzz (e2e, PostgreSQL)', () => {
  let t: TestApp;
  let base: string;
  const tokens: Partial<Record<Role, string>> = {};

  beforeAll(async () => {
    // warn: whatever the fuzz makes the app log (refused values, unhandled errors) is measured against the bound.
    t = await createTestApp({ driver: 'postgres', env: { LOG_LEVEL: 'warn' } });
    t.app.flushLogs();
    for (const role of ['normal', 'premium', 'admin'] as const) tokens[role] = (await t.login(role)).token;
    base = await t.app.listen(0, '127.0.0.1').then(() => {
      const { port } = t.app.getHttpServer().address() as { port: number };
      return `http://127.0.0.1:${port}`;
    });
  });
  afterAll(async () => {
    (t?.app.getHttpServer() as Server | undefined)?.closeAllConnections(); // fetch keeps connections alive; close() would wait on them
    await t?.close();
  });

  async function send(op: Operation, role: Role, values: Record<string, unknown>, body: unknown): Promise<Sent> {
    let path = op.path;
    const query: string[] = [];
    const headers: Record<string, string> = {};
    for (const p of op.parameters) {
      if (!(p.name in values)) continue;
      const value = values[p.name];
      if (p.in === 'path') path = path.replace(`{${p.name}}`, encode(value) || '%20');
      else if (p.in === 'query') query.push(`${encode(p.name)}=${encode(value)}`);
      else if (p.in === 'header') {
        const safe = headerSafe(value);
        if (safe !== undefined) headers[p.name] = safe;
      }
    }
    path = path.replace(/\{[^}]+\}/g, '1');
    const url = `${base}${path}${query.length ? `?${query.join('&')}` : ''}`;
    if (tokens[role as Exclude<Role, 'anonymous'>]) headers.authorization = `Bearer ${tokens[role as 'admin']}`;
    let payload: string | FormData | undefined;
    if (op.body?.kind === 'json' && body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    } else if (op.body?.kind === 'multipart') {
      const form = new FormData();
      for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
        form.append(name, typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
      }
      form.append('file', new Blob(['order_id,amount\nA1,1\n']), 'f.csv');
      payload = form;
    }
    const abort = new AbortController();
    const started = Date.now();
    const timer = setTimeout(() => abort.abort(), MAX_RESPONSE_MS * 2);
    try {
      const res = await fetch(url, { method: op.method.toUpperCase(), headers, body: payload, signal: abort.signal });
      let parsed: unknown;
      if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
        abort.abort(); // a stream that opened is a valid request; only its parameters are under test
      } else {
        const text = await res.text();
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
      }
      return { op, role, url, status: res.status, body: parsed, ms: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  it(
    'answers generated bad input on every route, as every role, without a 5xx and with the error body',
    async () => {
      const doc = (await fetch(`${base}/api/docs-json`).then((r) => r.json())) as OpenApiDocument;
      const operations = operationsOf(doc);
      expect(operations.length).toBeGreaterThan(20);
      const generator = new Generator(doc.components?.schemas ?? {});
      const arbitraries = operations.map((op) =>
        fc.record({
          role: fc.constantFrom(...ROLES),
          values: fc.record(Object.fromEntries(op.parameters.map((p) => [p.name, generator.value(p.schema)])), {
            requiredKeys: [],
          }),
          body:
            op.body?.kind === 'json'
              ? generator.value(op.body.schema)
              : op.body
                ? generator.object({})
                : fc.constant(undefined),
        }),
      );

      const failures: string[] = [];
      const requestsByOperation = new Map<string, number>();
      const statuses = new Map<number, number>();
      let requests = 0;
      let slowest = 0;
      const deadline = Date.now() + BUDGET_MS;
      for (let round = 0; round === 0 || Date.now() < deadline; round++) {
        for (const [i, op] of operations.entries()) {
          const cases = fc.sample(arbitraries[i], { seed: SEED + round * 1_000 + i, numRuns: PER_ROUND });
          for (const c of cases) {
            if (round > 0 && Date.now() >= deadline) break;
            const sent = await send(op, c.role, c.values, c.body);
            requests++;
            const key = `${op.method.toUpperCase()} ${op.path}`;
            requestsByOperation.set(key, (requestsByOperation.get(key) ?? 0) + 1);
            statuses.set(sent.status, (statuses.get(sent.status) ?? 0) + 1);
            slowest = Math.max(slowest, sent.ms);
            const problem = judge(sent);
            if (problem) failures.push(`${key} as ${c.role}: ${problem} — ${sent.url} body ${preview(c.body)}`);
          }
        }
        if (failures.length) break;
      }

      console.log(
        `fuzz (seed ${SEED}, budget ${BUDGET_MS} ms): ${requests} requests over ${requestsByOperation.size} operations; ` +
          `slowest ${slowest} ms; largest log line ${largestLogLine()} bytes; statuses ${JSON.stringify(Object.fromEntries(statuses))}\n` +
          [...requestsByOperation].map(([op, n]) => `  ${op}: ${n}`).join('\n'),
      );
      expect(failures.slice(0, 10)).toEqual([]);
      expect(requestsByOperation.size).toBe(operations.length);
      expect(largestLogLine()).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    },
    BUDGET_MS + 240_000,
  ); // the first round covers every operation whatever the budget; under load it takes minutes
});

function judge(sent: Sent): string | undefined {
  if (sent.status >= 500) return `answered ${sent.status}: ${preview(sent.body)}`;
  if (sent.ms > MAX_RESPONSE_MS) return `took ${sent.ms} ms`;
  if (sent.status >= 400) {
    const body = sent.body as Record<string, unknown> | undefined;
    const ok =
      typeof body === 'object' &&
      body !== null &&
      body.statusCode === sent.status &&
      typeof body.error === 'string' &&
      typeof body.message === 'string' &&
      typeof body.requestId === 'string';
    if (!ok) return `a ${sent.status} without the error body: ${preview(sent.body)}`;
  }
  return undefined;
}

const preview = (value: unknown): string => (JSON.stringify(value) ?? String(value)).slice(0, 300);
