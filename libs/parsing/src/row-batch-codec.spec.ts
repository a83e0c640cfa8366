import { decodeRows, encodeRows } from './row-batch-codec';
import type { SheetRow } from './row-source.types';

describe('row batch codec', () => {
  it('gives back the rows it encoded, cell for cell', () => {
    const rows: SheetRow[] = [
      { rowNumber: 2, values: ['a', '', 'b,c;d|e\te', '中文 😀👍🏽', '\u0000\u0001 _x0000_', ''] },
      { rowNumber: 3, values: [] },
      { rowNumber: 7, values: [''] },
      { rowNumber: 4_294_967_297, values: ['past 2³²'] },
      { rowNumber: 9, values: ['x'.repeat(100_000)] },
    ];
    expect(decodeRows(encodeRows(rows))).toStrictEqual(rows);
  });

  it('encodes no rows as an empty batch', () => {
    const encoded = encodeRows([]);
    expect(encoded).toEqual({ text: '', rowNumbers: new Float64Array(0), cells: new Uint32Array(0) });
    expect(decodeRows(encoded)).toEqual([]);
  });
});
