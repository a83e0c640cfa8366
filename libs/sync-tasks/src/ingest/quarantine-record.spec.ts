import { quarantinedCells, quarantinedRecord, quarantineReason } from './quarantine-record';

describe('quarantine records', () => {
  it('keeps a short row as it is, storable', () => {
    expect(quarantinedCells(['a', 'b\u0000'])).toEqual(['a', 'b\ufffd']);
    expect(quarantinedRecord(['h1', 'h2'], ['a'])).toEqual({ h1: 'a', h2: '' });
  });

  it('keeps the first 64 cells of a wide row, each cut to 256 characters, and the original cell count', () => {
    const values = Array.from({ length: 16_384 }, (_, i) => `${i}`.padEnd(1_000, 'x'));
    const cells = quarantinedCells(values);
    expect(cells).toHaveLength(65);
    expect(cells[0]).toMatch(/^0x{255}… \[truncated, 1000 chars\]$/);
    expect(cells[64]).toBe('… 16384 cells in all');
    const record = quarantinedRecord(
      values.map((_, i) => `h${i}`),
      values,
    );
    expect(Object.keys(record)).toHaveLength(65);
    expect(record['…']).toBe('16384 cells in all');
    expect(JSON.stringify(record).length).toBeLessThan(20_000);
  });

  it('bounds the reason', () => {
    expect(quarantineReason('r'.repeat(50_000)).length).toBeLessThan(1_100);
  });
});
