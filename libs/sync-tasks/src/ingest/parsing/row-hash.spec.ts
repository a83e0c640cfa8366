import { createHash } from 'node:crypto';
import { keyFields, normalizeValue, rowHash } from './row-hash';

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
});
