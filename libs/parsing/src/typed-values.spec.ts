import { metricDate, parseTyped, typeProblem } from './typed-values';

const ok = (value: string | null) => ({ ok: true, value });

describe(parseTyped.name, () => {
  it.each(['text', 'number', 'integer', 'date', 'datetime'] as const)('reads an empty %s cell as null', (type) => {
    expect(parseTyped(type, '')).toEqual(ok(null));
    expect(parseTyped(type, '  ')).toEqual(ok(null));
  });

  it('keeps text as it is', () => {
    expect(parseTyped('text', '买家 留言')).toEqual(ok('买家 留言'));
  });

  it.each([
    ['1234.5', '1234.5'],
    ['1,234.50', '1234.50'],
    ['-3', '-3'],
    ['+3', '3'],
    ['¥12.00', '12.00'],
    ['￥-12.00', '-12.00'],
    ['-¥12.00', '-12.00'],
    ['RM 12.00', '12.00'],
    ['Rp 15,000', '15000'],
    ['S$1,200', '1200'],
    ['$1,200', '1200'],
    ['USD 99.90', '99.90'],
    ['99.90 SGD', '99.90'],
    ['12.5%', '12.5'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['007', '7'],
    ['-0.00', '0.00'],
    ['1.5E+3', '1500'],
    ['2.5e-3', '0.0025'],
  ])('reads number %p as %p', (raw, value) => {
    expect(parseTyped('number', raw)).toEqual(ok(value));
  });

  it.each(['abc', '12..3', '1,23', '1234,567', '--3', '-¥-3', '12 pcs', '.', '-', '%', 'NaN', 'Infinity', '(12)'])(
    'rejects number %p',
    (raw) => {
      expect(parseTyped('number', raw)).toEqual({ ok: false, reason: `not a number: ${JSON.stringify(raw)}` });
    },
  );

  it.each([
    ['3', '3'],
    ['1,200', '1200'],
    ['-7', '-7'],
    ['3.00', '3'],
    ['1.2E+3', '1200'],
  ])('reads integer %p as %p', (raw, value) => {
    expect(parseTyped('integer', raw)).toEqual(ok(value));
  });

  it('rejects a fractional integer', () => {
    expect(parseTyped('integer', '3.5')).toEqual({ ok: false, reason: 'not an integer: "3.5"' });
    expect(parseTyped('integer', 'abc')).toEqual({ ok: false, reason: 'not a number: "abc"' });
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
  ])('reads date %p as %p', (raw, value) => {
    expect(parseTyped('date', raw)).toEqual(ok(value));
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
    expect(parseTyped('date', raw)).toEqual({ ok: false, reason: `not a date: ${JSON.stringify(raw)}` });
  });

  it.each([
    ['2026-11-03 12:30:05', '2026-11-03 12:30:05'],
    ['2026-11-03 9:05', '2026-11-03 09:05:00'],
    ['2026-11-03T12:30:05+08:00', '2026-11-03 12:30:05'],
    ['2026/11/03', '2026-11-03 00:00:00'],
    ['45293.75', '2024-01-02 18:00:00'],
  ])('reads datetime %p as %p', (raw, value) => {
    expect(parseTyped('datetime', raw)).toEqual(ok(value));
  });

  it('rejects an impossible clock time', () => {
    expect(parseTyped('datetime', '2026-11-03 12:61')).toEqual({
      ok: false,
      reason: 'not a datetime: "2026-11-03 12:61"',
    });
  });

  it('keeps reasons short for long values', () => {
    const result = parseTyped('number', 'x'.repeat(500));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason.length).toBeLessThan(80);
  });
});

describe(typeProblem.name, () => {
  it("gives parseTyped's verdict for every type, fast paths included", () => {
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
        const parsed = parseTyped(type, raw);
        expect({ type, raw, problem: typeProblem(type, raw) }).toEqual({
          type,
          raw,
          problem: parsed.ok ? undefined : parsed.reason,
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
