import { mulberry32 } from '@app/common/seeded-random';
import { cellText } from '../test/exceljs-xlsx-source';
import {
  dateText,
  isDateFormat,
  isDateFormatId,
  isoDateText,
  isPlainNumber,
  numberText,
  serialDateText,
} from './xlsx-cell';

/** ExcelJS's own helpers, the reference for what its reader made of number formats and date serials. */
const exceljs = {
  utils: jest.requireActual<{
    isDateFmt(format: string | undefined): boolean;
    excelToDate(serial: number, date1904: boolean): Date;
  }>('exceljs/lib/utils/utils'),
  numFmt: jest.requireActual<{ getDefaultFmtCode(id: number): string | undefined }>(
    'exceljs/lib/xlsx/xform/style/numfmt-xform',
  ),
};

describe('cellText (the ExcelJS path, kept as the reference)', () => {
  it.each([
    [null, ''],
    [undefined, ''],
    ['text', 'text'],
    [12.5, '12.5'],
    [0.1 + 0.2, '0.3'],
    [-3, '-3'],
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [true, 'true'],
    [false, 'false'],
    [new Date('2026-11-03T00:00:00Z'), '2026-11-03'],
    [new Date('2026-11-03T12:30:05Z'), '2026-11-03 12:30:05'],
    [new Date('2026-11-03T12:30:04.9996Z'), '2026-11-03 12:30:05'],
    [{ richText: [{ text: 'a ' }, { text: 'b' }] }, 'a b'],
    [{ formula: 'A1*2', result: 7 }, '7'],
    [{ sharedFormula: 'A1', result: 'x' }, 'x'],
    [{ formula: 'A1' }, ''],
    [{ error: '#N/A' as const }, '#N/A'],
    [{ text: 'link', hyperlink: 'https://example.com' }, 'link'],
  ])('shows %p as %p', (value, text) => {
    expect(cellText(value as Parameters<typeof cellText>[0])).toBe(text);
  });
});

describe(numberText.name, () => {
  it('gives what rounding to 15 significant digits gives, for random and edge-case numbers', () => {
    const slow = (n: number): string => {
      const rounded = Number(n.toPrecision(15));
      const text = String(rounded);
      return text.includes('e')
        ? rounded.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 })
        : text;
    };
    const samples = [0, -0, 1, -1, 123456789012345, -99999999999999, 0.1 + 0.2, 1 / 3, 2 / 3, 1e-7, 123.456, 1e15];
    for (let i = 0; i < 20_000; i++) {
      const scale = 10 ** Math.floor(Math.random() * 24 - 8);
      samples.push(
        (Math.random() - 0.5) * scale,
        Math.round(Math.random() * scale),
        Math.round(Math.random() * 1e6) / 100,
      );
    }
    for (const n of samples) expect(numberText(n)).toBe(slow(n));
  });
});

describe(isPlainNumber.name, () => {
  const plain = (text: string): boolean => isPlainNumber(text, 0, text.length);

  it('accepts only text that numberText(parseFloat(text)) leaves as it is', () => {
    const next = mulberry32(7);
    const texts = [
      '0',
      '-0',
      '1',
      '-1',
      '0.5',
      '-0.5',
      '.5',
      '5.',
      '+1',
      '01',
      '1.50',
      '1e5',
      '1E-7',
      '',
      '-',
      '1.2.3',
    ];
    texts.push('0.000001', '0.0000001', '-0.0000012', '123456789012345', '1234567890123456', '99999999999999.9');
    for (let i = 0; i < 10_000; i++) {
      const n = (next() - 0.5) * 10 ** Math.floor(next() * 30 - 12);
      texts.push(
        String(n),
        n.toFixed(Math.floor(next() * 8)),
        String(Math.round(n)),
        n.toPrecision(1 + Math.floor(next() * 17)),
      );
    }
    let accepted = 0;
    for (const text of texts) {
      if (!plain(text)) continue;
      accepted++;
      expect({ text, shown: numberText(parseFloat(text)) }).toEqual({ text, shown: text });
    }
    expect(accepted).toBeGreaterThan(texts.length / 4);
  });

  it('takes the usual cell values', () => {
    expect(['12.5', '-3', '0.05', '1727381007777', '0.000001'].map(plain)).toEqual([true, true, true, true, true]);
    expect(['-0', '1.50', '1e5', '0.0000001', '1234567890123456'].map(plain)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe(isDateFormatId.name, () => {
  it('tells built-in date formats as ExcelJS does, for every id', () => {
    for (let id = 0; id < 300; id++) {
      const code = exceljs.numFmt.getDefaultFmtCode(id);
      expect({ id, date: isDateFormatId(id, new Map()) }).toEqual({
        id,
        date: id > 0 && exceljs.utils.isDateFmt(code),
      });
    }
  });

  it('tells custom formats as ExcelJS does, backslash escapes removed first', () => {
    const formats = [
      'yyyy-mm-dd',
      '"¥"#,##0.00',
      '[Red]0.00',
      '0.0\\h',
      '"y m d" 0',
      '[$-409]mmmm d',
      'General',
      '@',
      '0%',
      'b',
      '',
    ];
    for (const format of formats) {
      const expected = exceljs.utils.isDateFmt(format.replace(/[\\](.)/g, '$1'));
      expect({ format, date: isDateFormatId(200, new Map([[200, format]])) }).toEqual({ format, date: expected });
      expect(isDateFormat(format)).toBe(exceljs.utils.isDateFmt(format));
    }
  });
});

describe(serialDateText.name, () => {
  it('gives the text of the Date ExcelJS made of a serial, in both date systems', () => {
    const next = mulberry32(11);
    const serials = [0, 1, 59, 60, 61, 25569, 45000, 45000.5, 46329.999999, -1, 2958465.99999];
    for (let i = 0; i < 5000; i++) serials.push(next() * 80000, Math.floor(next() * 80000));
    for (const serial of serials) {
      for (const date1904 of [false, true]) {
        expect(serialDateText(serial, date1904)).toBe(dateText(exceljs.utils.excelToDate(serial, date1904)));
      }
    }
  });
});

describe(isoDateText.name, () => {
  it.each([
    ['2026-11-03T10:00:00', '2026-11-03 10:00:00'],
    ['2026-11-03', '2026-11-03'],
    ['2026-11-03T00:00:00', '2026-11-03'],
    ['2026-11-03 10:05', '2026-11-03 10:05:00'],
    ['2026-11-03T10:00:00.4', '2026-11-03 10:00:00'],
    ['2026-11-03T23:59:59.5', '2026-11-04'], // rounded to the second, as date serials are
    ['2024-02-29T12:00:00,250', '2024-02-29 12:00:00'],
    ['0050-01-02T03:04:05', '0050-01-02 03:04:05'],
  ])('reads %s as %s', (iso, text) => {
    expect(isoDateText(iso)).toBe(text);
  });

  it.each(['Z', '+08:00', '-0530', '+08'])('keeps the wall clock as written with the zone %s', (zone) => {
    expect(isoDateText(`2026-11-03T01:30:00${zone}`)).toBe('2026-11-03 01:30:00');
  });

  it.each(['', '2026', '2026-11', '10:00:00', '2026-02-30', '2026-13-01', '2026-11-03T24:00:00', '2026-11-03T10:60'])(
    'gives undefined for %p, which is not a calendar date with an optional time',
    (text) => {
      expect(isoDateText(text)).toBeUndefined();
    },
  );
});
