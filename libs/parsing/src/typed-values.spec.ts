import { parseDateTime } from './date-values';
import { isIntegral, parseDecimal } from './number-values';
import { ColumnType, metricDate, typeProblem } from './typed-values';

/** The full check typeProblem makes, without its fast path for plain decimals. */
function validByParsers(type: ColumnType, raw: string): boolean {
  if (type === 'text' || !raw.trim()) return true;
  if (type === 'date' || type === 'datetime') return parseDateTime(raw) !== undefined;
  const decimal = parseDecimal(raw);
  return decimal !== undefined && (type === 'number' || isIntegral(decimal));
}

describe(typeProblem.name, () => {
  it.each(['text', 'number', 'integer', 'date', 'datetime'] as const)('accepts an empty %s cell', (type) => {
    expect(typeProblem(type, '')).toBeUndefined();
    expect(typeProblem(type, '  ')).toBeUndefined();
  });

  it('accepts any text', () => {
    expect(typeProblem('text', '买家 留言')).toBeUndefined();
    expect(typeProblem('text', '12 pcs')).toBeUndefined();
  });

  it.each([
    '1234.5',
    '1,234.50',
    '-3',
    '+3',
    '¥12.00',
    '￥-12.00',
    '-¥12.00',
    'RM 12.00',
    'Rp 15,000',
    'S$1,200',
    '$1,200',
    'USD 99.90',
    '99.90 SGD',
    '12.5%',
    '.5',
    '5.',
    '007',
    '-0.00',
    '1.5E+3',
    '2.5e-3',
  ])('accepts number %p', (raw) => {
    expect(typeProblem('number', raw)).toBeUndefined();
  });

  it.each(['abc', '12..3', '1,23', '1234,567', '--3', '-¥-3', '12 pcs', '.', '-', '%', 'NaN', 'Infinity', '(12)'])(
    'rejects number %p',
    (raw) => {
      expect(typeProblem('number', raw)).toBe(`not a number: ${JSON.stringify(raw)}`);
    },
  );

  it.each(['3', '1,200', '-7', '3.00', '1.2E+3', '2.50E+1'])('accepts integer %p', (raw) => {
    expect(typeProblem('integer', raw)).toBeUndefined();
  });

  it.each([
    ['3.5', 'not an integer: "3.5"'],
    ['1.25E+1', 'not an integer: "1.25E+1"'],
    ['2.5e-3', 'not an integer: "2.5e-3"'],
    ['abc', 'not a number: "abc"'],
  ])('rejects integer %p', (raw, problem) => {
    expect(typeProblem('integer', raw)).toBe(problem);
  });

  it.each([
    ['2026-11-03', '2026-11-03'],
    ['2026/11/03', '2026-11-03'],
    ['2026.11.03', '2026-11-03'],
    ['2026/1/5', '2026-01-05'],
    ['2026-11-03 12:30:05', '2026-11-03'],
    ['2026-11-03T12:30:05.123Z', '2026-11-03'],
    ['2026年11月3日', '2026-11-03'],
    ['20261103', '2026-11-03'],
    ['03/11/2026', '2026-11-03'],
    ['13/04/2026', '2026-04-13'],
    ['04/13/2026', '2026-04-13'],
    ['03.11.2026', '2026-11-03'],
    ['2024-02-29', '2024-02-29'],
    ['45293', '2024-01-02'],
    ['45293.75', '2024-01-02'],
  ])('accepts date %p (metric date %p)', (raw, day) => {
    expect(typeProblem('date', raw)).toBeUndefined();
    expect(metricDate(raw)).toBe(day);
  });

  it.each([
    '2026-13-01',
    '2026-02-30',
    '2025-02-29',
    '2026-11',
    '2026-11-03 25:00',
    '13/13/2026',
    'yesterday',
    '2026',
    '2026-11/03',
  ])('rejects date %p', (raw) => {
    expect(typeProblem('date', raw)).toBe(`not a date: ${JSON.stringify(raw)}`);
    expect(metricDate(raw)).toBeNull();
  });

  it.each([
    ['2026-11-03 12:30:05', '2026-11-03'],
    ['2026-11-03 9:05', '2026-11-03'],
    ['2026-11-03T12:30:05+08:00', '2026-11-03'],
    ['2026/11/03', '2026-11-03'],
    ['45293.75', '2024-01-02'],
  ])('accepts datetime %p (metric date %p)', (raw, day) => {
    expect(typeProblem('datetime', raw)).toBeUndefined();
    expect(metricDate(raw)).toBe(day);
  });

  it('rejects an impossible clock time', () => {
    expect(typeProblem('datetime', '2026-11-03 12:61')).toBe('not a datetime: "2026-11-03 12:61"');
  });

  it('keeps problems short for long values', () => {
    const problem = typeProblem('number', 'x'.repeat(500));
    expect(problem).toMatch(/^not a number: "x+…"$/);
    expect(problem?.length).toBeLessThan(80);
  });

  it('agrees with parseDecimal and parseDateTime for every type, the plain-decimal fast path included', () => {
    const raws = [
      '',
      ' ',
      '0',
      '-0',
      '12',
      '-12',
      '12.0',
      '12.50',
      '-0.5',
      '.5',
      '5.',
      '-',
      '1e3',
      '1,234',
      '¥12',
      ' 12 ',
      '12a',
    ];
    raws.push(
      '2026-11-03',
      '2026-02-30',
      '0999-01-01',
      '2026-1-3',
      '2026-11-03 12:00:00',
      '2026/11/03',
      '20261103',
      'x',
    );
    for (let i = 0; i < 2000; i++) {
      raws.push(
        String((Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 8)),
        String(Math.round(Math.random() * 1e6)),
      );
      const day = new Date(Date.UTC(1990, 0, 1) + Math.floor(Math.random() * 20_000) * 86_400_000);
      raws.push(day.toISOString().slice(0, 10), `${day.toISOString().slice(0, 8)}${31 + (i % 5)}`);
    }
    for (const type of ['text', 'number', 'integer', 'date', 'datetime'] as const) {
      for (const raw of raws) {
        expect({ type, raw, valid: typeProblem(type, raw) === undefined }).toEqual({
          type,
          raw,
          valid: validByParsers(type, raw),
        });
      }
    }
  });
});

describe(metricDate.name, () => {
  it.each([
    ['2026-11-03 12:30:05', '2026-11-03'],
    ['2026/11/03', '2026-11-03'],
    ['not a date', null],
    ['', null],
    [undefined, null],
  ])('reads %p as %p', (raw, value) => {
    expect(metricDate(raw)).toBe(value);
  });
});
