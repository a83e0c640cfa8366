import { columnIndex, compareHeaders } from './header-check';

describe(compareHeaders.name, () => {
  it('accepts the same names in another order', () => {
    expect(compareHeaders(['数量', '订单编号'], ['订单编号', '数量'])).toBeNull();
  });

  it('compares names trimmed and NFC-normalized', () => {
    expect(compareHeaders([' cafe\u0301 '], ['caf\u00e9'])).toBeNull();
  });

  it('lists added and removed columns', () => {
    expect(compareHeaders(['订单编号', '数量', '优惠券'], ['订单编号', '数量', '买家留言'])).toEqual({
      added: ['优惠券'],
      removed: ['买家留言'],
    });
  });

  it('counts a repeated file column as added', () => {
    expect(compareHeaders(['sku', 'sku', 'qty'], ['sku', 'qty'])).toEqual({ added: ['sku'], removed: [] });
  });
});

describe(columnIndex.name, () => {
  it('finds each name in the file, -1 when absent', () => {
    expect(columnIndex(['a', ' b ', 'c'], ['c', 'b', 'z'])).toEqual([2, 1, -1]);
  });
});
