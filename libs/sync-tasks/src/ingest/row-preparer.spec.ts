import { Template } from '../templates/templates.repository';
import { rowHash, rowKey, rowKeyScope } from '@app/parsing';
import { RowPreparer } from './row-preparer';

const SCOPE = rowKeyScope(['shopee', 's1', 'orders', '', 'daily']);

function template(overrides: Partial<Template> = {}): Template {
  return {
    columns: [
      { name: '订单号', type: 'text' },
      { name: '日期', type: 'date' },
      { name: '金额', type: 'number' },
    ],
    dedupFields: ['订单号'],
    dateField: '日期',
    headerRow: 1,
    ...overrides,
  } as Template;
}

describe(RowPreparer.name, () => {
  const headers = ['订单号', '日期', '金额'];

  it('keeps the record as JSON in file order and keys the row by its dedup fields', () => {
    const preparer = new RowPreparer(headers, template(), false, SCOPE);
    const a = preparer.prepare(['SO1', '2026-01-05', '12.5']);
    const b = preparer.prepare(['SO1', '2026-01-06', '99']);
    expect(a).toMatchObject({
      ok: true,
      date: '2026-01-05',
      json: '{"订单号":"SO1","日期":"2026-01-05","金额":"12.5"}',
    });
    expect(a.ok && b.ok && a.key === b.key).toBe(true);
    expect(a.ok && a.key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('writes the JSON.stringify of the record and keys by rowKey over rowHash of its dedup fields', () => {
    const preparer = new RowPreparer(headers, template(), false, SCOPE);
    for (const values of [
      ['SO1', '2026-01-05', '12.5'],
      [' cafe\u0301 "x"\\', '2026-01-06', '-3'],
      ['商品\t😀\u2028', '2026-01-06', ''],
    ]) {
      const record = Object.fromEntries(headers.map((h, i) => [h, values[i]]));
      expect(preparer.prepare(values)).toEqual({
        ok: true,
        key: rowKey(SCOPE, rowHash(record, ['订单号'])),
        date: values[1],
        json: JSON.stringify(record),
      });
    }
  });

  it('checks every row of a date column and takes its metric date, when dates repeat or change', () => {
    const preparer = new RowPreparer(headers, template(), false, SCOPE);
    const dates = ['2026-01-05', '2026-01-05', '2026-02-30', '2026-01-05', '2026/01/07', '', '2026-01-05'];
    expect(dates.map((d) => preparer.prepare(['SO1', d, '1'])).map((p) => (p.ok ? p.date : p.reason))).toEqual([
      '2026-01-05',
      '2026-01-05',
      '日期: not a date: "2026-02-30"',
      '2026-01-05',
      '2026-01-07',
      null,
      '2026-01-05',
    ]);
  });

  it('quarantines every row of a template without dedup fields as having no key', () => {
    const preparer = new RowPreparer(headers, template({ dedupFields: [] }), false, SCOPE);
    expect(preparer.prepare(['SO1', '2026-01-05', '1'])).toMatchObject({ ok: false, reason: 'row has no key values' });
  });

  it('quarantines a wrong column count and values its template types cannot parse, with the reason', () => {
    const preparer = new RowPreparer(headers, template(), false, SCOPE);
    expect(preparer.prepare(['SO1', '2026-01-05'])).toEqual({
      ok: false,
      reason: 'expected 3 columns, found 2',
      raw: ['SO1', '2026-01-05'],
    });
    const bad = preparer.prepare(['SO1', 'not a date', 'abc']);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/日期: .*; 金额: /);
    expect(!bad.ok && bad.raw).toEqual({ 订单号: 'SO1', 日期: 'not a date', 金额: 'abc' });
  });

  it('without a template keys by every non-empty column, whatever their order', () => {
    const one = new RowPreparer(['a', 'b'], undefined, false, SCOPE).prepare(['1', '2']);
    const other = new RowPreparer(['b', 'a'], undefined, false, SCOPE).prepare(['2', '1']);
    expect(one.ok && other.ok && one.key === other.key).toBe(true);
    expect(new RowPreparer(['a'], undefined, false, SCOPE).prepare([' '])).toMatchObject({
      ok: false,
      reason: 'row has no key values',
    });
  });

  it('pads short XLSX rows instead of quarantining them', () => {
    const prepared = new RowPreparer(headers, template(), true, SCOPE).prepare(['SO2', '2026-01-05']);
    expect(prepared).toMatchObject({ ok: true, json: '{"订单号":"SO2","日期":"2026-01-05","金额":""}' });
  });

  describe('characters PostgreSQL cannot store', () => {
    const preparer = new RowPreparer(headers, template(), false, SCOPE);

    it('quarantines a row with U+0000 or an unpaired surrogate, naming the column, with U+FFFD kept in their place', () => {
      expect(preparer.prepare(['SO\u00001', '2026-01-05', '12'])).toEqual({
        ok: false,
        reason: '订单号: contains a NUL character (U+0000)',
        raw: { 订单号: 'SO\ufffd1', 日期: '2026-01-05', 金额: '12' },
      });
      expect(preparer.prepare(['SO1 \ud83d', '2026-01-05', '12\ude00'])).toEqual({
        ok: false,
        reason: '订单号: contains an unpaired surrogate (U+D83D); 金额: contains an unpaired surrogate (U+DE00)',
        raw: { 订单号: 'SO1 \ufffd', 日期: '2026-01-05', 金额: '12\ufffd' },
      });
    });

    it('names the character rather than the type in a typed column, and the type problems of other columns', () => {
      const bad = preparer.prepare(['SO1', '2026-01-05\u0000', 'abc']);
      expect(!bad.ok && bad.reason).toBe('日期: contains a NUL character (U+0000); 金额: not a number: "abc"');
    });

    it('keeps storable what a wrong column count quarantines', () => {
      expect(preparer.prepare(['SO1\u0000'])).toEqual({
        ok: false,
        reason: 'expected 3 columns, found 1',
        raw: ['SO1\ufffd'],
      });
    });

    it('lets through surrogate pairs, other control characters and a literal backslash-u', () => {
      const prepared = preparer.prepare(['SO1 😀\u0001', '2026-01-05', '12']);
      expect(prepared).toMatchObject({ ok: true, json: '{"订单号":"SO1 😀\\u0001","日期":"2026-01-05","金额":"12"}' });
      expect(new RowPreparer(['a'], undefined, false, SCOPE).prepare(['C:\\users'])).toMatchObject({ ok: true });
    });
  });
});
