import { copyLine } from './fact-rows.repository';
import { Batch } from './batch';
import { PreparedRow } from './row-preparer';

function fact(key: string, json: string, date: string | null = null): PreparedRow {
  return { ok: true, key: key.padStart(32, '0'), date, json };
}

describe(Batch.name, () => {
  it('hands over the COPY lines of its facts in order, as one buffer', () => {
    const batch = new Batch(7);
    const rows = [fact('1', '{"名称":"杯子"}', '2026-01-05'), fact('2', '{"a":"x\\\\y"}'), fact('3', '{"a":"😀"}')];
    rows.forEach((row, i) => batch.add(i + 1, row));
    const expected = rows.map((r) => (r.ok ? copyLine(7, r.key, r.date, r.json) : '')).join('');
    expect(batch.copyData().toString('utf8')).toBe(expected);
    expect(batch).toMatchObject({ size: 3, facts: 3, lastRow: 3, quarantined: [] });
  });

  it('keeps the last version of a key seen twice, and counts it once', () => {
    const batch = new Batch(7);
    batch.add(1, fact('1', '{"v":"old"}'));
    batch.add(2, fact('2', '{"v":"other"}'));
    batch.add(3, fact('1', '{"v":"middle"}'));
    batch.add(4, fact('1', '{"v":"new"}'));
    const lines = batch.copyData().toString('utf8').split('\n').filter(Boolean);
    expect(lines.map((l) => l.split('\t')[3])).toEqual(['{"v":"other"}', '{"v":"new"}']);
    expect(batch).toMatchObject({ size: 4, facts: 2, lastRow: 4 });
  });

  it('grows past its first buffer without losing or cutting a line', () => {
    const batch = new Batch(7);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const row = fact(String(i), JSON.stringify({ 名称: `商品${i}`.repeat(20) }), '2026-01-05');
      batch.add(i + 1, row);
      if (row.ok) lines.push(copyLine(7, row.key, row.date, row.json));
    }
    const data = batch.copyData();
    expect(data.length).toBeGreaterThan(64 * 1024 * 2);
    expect(data.toString('utf8')).toBe(lines.join(''));
  });

  it('keeps quarantined rows aside, counted in its size but not among its facts', () => {
    const batch = new Batch(7);
    batch.add(7, { ok: false, reason: 'expected 3 columns, found 2', raw: ['a', 'b'] });
    batch.add(8, fact('1', '{}'));
    expect(batch.quarantined).toEqual([{ n: 7, reason: 'expected 3 columns, found 2', r: ['a', 'b'] }]);
    expect(batch).toMatchObject({ size: 2, facts: 1, lastRow: 8 });
    expect(batch.copyData().toString('utf8')).toBe(copyLine(7, '1'.padStart(32, '0'), null, '{}'));
  });

  it('tells whether batches share a key: rows of two files of one scope cannot merge in one statement', () => {
    const a = new Batch(1);
    a.add(1, fact('1', '{}'));
    a.add(2, fact('2', '{}'));
    const b = new Batch(2);
    b.add(1, fact('3', '{}'));
    const c = new Batch(3);
    c.add(1, fact('2', '{"v":"other"}'));
    expect(Batch.disjoint([a, b])).toBe(true);
    expect(Batch.disjoint([a, b, c])).toBe(false);
    expect(Batch.disjoint([c])).toBe(true);
  });
});
