import { createHash } from 'node:crypto';
import {
  fixedFieldsHash,
  jsonString,
  keyFields,
  normalizeValue,
  rowHash,
  rowHashOfValues,
  rowKey,
  rowKeyScope,
} from './row-hash';

describe(rowHash.name, () => {
  const fields = ['订单ID', '子订单ID'];

  it('is the SHA-256 of the JSON array of [field, value] pairs', () => {
    const expected = createHash('sha256')
      .update(
        JSON.stringify([
          ['订单ID', '57001'],
          ['子订单ID', 'x"y'],
        ]),
      )
      .digest('hex');
    expect(rowHash({ 订单ID: ' 57001 ', 子订单ID: 'x"y' }, fields)).toBe(expected);
  });

  it('does not depend on the column order in the file', () => {
    const a = { 订单ID: '57001', 子订单ID: '1', 数量: '2' };
    const b = { 数量: '2', 子订单ID: '1', 订单ID: '57001' };
    expect(rowHash(a, fields)).toBe(rowHash(b, fields));
  });

  it('ignores surrounding whitespace and Unicode normalization form', () => {
    const composed = { name: 'caf\u00e9' };
    const decomposed = { name: ' cafe\u0301 ' };
    expect(rowHash(composed, ['name'])).toBe(rowHash(decomposed, ['name']));
  });

  it('differs when a key value differs', () => {
    expect(rowHash({ 订单ID: '57001', 子订单ID: '1' }, fields)).not.toBe(
      rowHash({ 订单ID: '57001', 子订单ID: '2' }, fields),
    );
  });

  it('cannot be fooled by values that run together', () => {
    expect(rowHash({ a: 'x,y', b: '' }, ['a', 'b'])).not.toBe(rowHash({ a: 'x', b: 'y' }, ['a', 'b']));
    expect(rowHash({ a: 'x"],["b', b: '' }, ['a', 'b'])).not.toBe(rowHash({ a: 'x', b: '' }, ['a', 'b']));
  });

  it('counts a missing field as empty', () => {
    expect(rowHash({ a: '1' }, ['a', 'b'])).toBe(rowHash({ a: '1', b: '' }, ['a', 'b']));
  });
});

describe(keyFields.name, () => {
  it('uses the template dedup fields when there are some', () => {
    expect(keyFields(['a', 'b', 'c'], ['1', '2', '3'], ['c', 'a'])).toEqual(['c', 'a']);
  });

  it('takes every named column with a value, sorted, without a template', () => {
    expect(keyFields(['b', 'a', 'c', ''], ['1', ' ', '3', '4'], null)).toEqual(['b', 'c']);
  });

  it('gives the same fields whatever the column order', () => {
    const one = keyFields(['sku', 'qty', 'name'], ['A1', '3', 'Cup'], null);
    const other = keyFields(['name', 'sku', 'qty'], ['Cup', 'A1', '3'], null);
    expect(one).toEqual(other);
  });
});

describe(normalizeValue.name, () => {
  it('trims and composes, keeping inner whitespace', () => {
    expect(normalizeValue('  a \t b\u0301 ')).toBe('a \t b\u0301'.normalize('NFC'));
  });

  it('equals trim and NFC for every pair of characters below U+0300 and around the combining marks', () => {
    const chars = [...Array(0x340).keys()].map((code) => String.fromCharCode(code));
    const differing: string[] = [];
    for (const a of chars) {
      for (const b of chars) if (normalizeValue(a + b) !== (a + b).trim().normalize('NFC')) differing.push(a + b);
    }
    expect(differing).toEqual([]);
    for (const text of ['Å', 'A\u030a', '\u212b', 'e\u0301\u0327', '한', '\u1100\u1161', 'ｶﾞ', '商品 ID', '😀']) {
      expect(normalizeValue(text)).toBe(text.trim().normalize('NFC'));
    }
  });
});

describe(jsonString.name, () => {
  it('equals JSON.stringify for every UTF-16 code unit and for text with pairs, escapes and CJK', () => {
    const differing: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const text = `a${String.fromCharCode(code)}b`;
      if (jsonString(text) !== JSON.stringify(text)) differing.push(code);
    }
    expect(differing).toEqual([]);
    for (const text of ['', '商品名称', 'x"y', 'C:\\users', 'line\nbreak', '😀', '\ud83d', '\u2028', '\u0000']) {
      expect(jsonString(text)).toBe(JSON.stringify(text));
    }
  });
});

describe(fixedFieldsHash.name, () => {
  it('equals rowHashOfValues for the same fields, row after row', () => {
    const fields = ['日期', '商品ID', '缺少'];
    const index = [0, 1, -1];
    const hash = fixedFieldsHash(fields, index);
    for (const values of [
      ['2026-11-01', ' 1001 '],
      ['2026-11-01', 'cafe\u0301'],
      ['', 'x"],["y'],
    ]) {
      expect(hash(values)).toBe(rowHashOfValues(values, fields, index));
    }
  });
});

describe(rowHashOfValues.name, () => {
  it('equals rowHash over the record the values make, duplicate and missing columns included', () => {
    const headers = ['订单ID', 'sku', '订单ID', '数量'];
    const values = [' 1 ', 'A', '2', '5'];
    const record: Record<string, string> = {};
    headers.forEach((h, i) => (record[h] = values[i]));
    const last = new Map(headers.map((h, i) => [h, i]));
    for (const fields of [['订单ID', 'sku'], ['数量', '缺少'], keyFields(headers, values, null)]) {
      const index = fields.map((f) => last.get(f) ?? -1);
      expect(rowHashOfValues(values, fields, index)).toBe(rowHash(record, fields));
    }
  });
});

describe(rowKey.name, () => {
  const scope = rowKeyScope(['tiktok', 'tt_1', 'orders', '', 'daily']);

  it('is the first 16 bytes of SHA-256 over the separated scope and the key hash', () => {
    const keyHash = rowHash({ a: '1' }, ['a']);
    const expected = createHash('sha256')
      .update(`tiktok\u001ftt_1\u001forders\u001f\u001fdaily\u001f${keyHash}`)
      .digest('hex')
      .slice(0, 32);
    expect(rowKey(scope, keyHash)).toBe(expected);
  });

  it('differs between shops for the same row', () => {
    const keyHash = rowHash({ a: '1' }, ['a']);
    expect(rowKey(scope, keyHash)).not.toBe(rowKey(rowKeyScope(['tiktok', 'tt_2', 'orders', '', 'daily']), keyHash));
  });
});
