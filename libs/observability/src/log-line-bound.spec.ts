import { boundLogLine, largestLogLine, MAX_LOG_LINE_BYTES, serializeError } from './log-line-bound';

const line = (fields: Record<string, unknown>): string =>
  `${JSON.stringify({ level: 50, time: 1_700_000_000_000, pid: 1, ...fields })}\n`;

describe(boundLogLine.name, () => {
  it('passes a line within the bound untouched', () => {
    const small = line({ msg: 'task t1 failed' });
    expect(boundLogLine(small)).toBe(small);
  });

  it('cuts long fields of a long line, noting their length and the line size', () => {
    const bounded = boundLogLine(line({ msg: 'x'.repeat(50_000), err: { stack: 'y'.repeat(20_000) } }));
    expect(Buffer.byteLength(bounded)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(bounded.endsWith('\n')).toBe(true);
    const parsed = JSON.parse(bounded) as {
      level: number;
      msg: string;
      err: { stack: string };
      log_line_truncated: unknown;
    };
    expect(parsed.level).toBe(50);
    expect(parsed.msg).toMatch(/^x{1024}… \[truncated, 50000 chars\]$/);
    expect(parsed.err.stack).toMatch(/\[truncated, 20000 chars\]$/);
    expect(parsed.log_line_truncated).toEqual({ bytes: expect.any(Number) });
  });

  it('summarises a line too long even with its fields cut (many fields, huge arrays, not JSON)', () => {
    const manyFields = line(Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`f${i}`, 'v'.repeat(100)])));
    const notJson = `${'z'.repeat(3_000_000)}\n`;
    for (const huge of [manyFields, notJson]) {
      const bounded = boundLogLine(huge);
      expect(Buffer.byteLength(bounded)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
      expect(JSON.parse(bounded)).toMatchObject({ log_line_truncated: { bytes: Buffer.byteLength(huge) } });
    }
    expect(JSON.parse(boundLogLine(manyFields))).toMatchObject({ level: 50, time: 1_700_000_000_000 });
  });

  it('counts bytes, not characters: a line of multi-byte text is bounded too', () => {
    const bounded = boundLogLine(line({ msg: '测'.repeat(4_000) }));
    expect(Buffer.byteLength(bounded)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(largestLogLine()).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
  });
});

describe(serializeError.name, () => {
  it('logs a failed query with its statement and the database error, never its parameters', () => {
    const cause = Object.assign(new Error('value "2147483648" is out of range for type integer'), { code: '22003' });
    const secret = 'customer-secret-'.repeat(10_000);
    // The shape of drizzle-orm's DrizzleQueryError: every parameter in its message and stack.
    const query = 'INSERT INTO quarantined_rows SELECT $1';
    const error = Object.assign(new Error(`Failed query: ${query}\nparams: ${secret}`), {
      query,
      params: [secret],
      cause,
    });
    const logged = JSON.stringify(serializeError(error));
    expect(logged).not.toContain('customer-secret');
    expect(logged).toContain('INSERT INTO quarantined_rows');
    expect(logged).toContain('out of range for type integer');
    expect(logged).toContain('22003');
    expect(logged.length).toBeLessThan(4_000);
  });

  it('serializes other errors as pino does', () => {
    expect(serializeError(new Error('boom'))).toMatchObject({ type: 'Error', message: 'boom' });
  });
});
