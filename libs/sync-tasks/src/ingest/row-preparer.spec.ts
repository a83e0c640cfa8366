import { Template } from '../templates/templates.repository';
import { rowKeyScope } from './parsing';
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
});
