import { copyText } from './fact-rows.repository';

describe(copyText.name, () => {
  it('writes one tab-separated line per row with bytea in hex and NULL dates as \\N', () => {
    const key = 'ab'.repeat(16);
    expect(copyText([{ key, date: null, json: '{"a":"1"}' }])).toBe(`\\\\x${key}\t\\N\t{"a":"1"}\n`);
    expect(copyText([{ key, date: '2026-01-02', json: '{}' }])).toBe(`\\\\x${key}\t2026-01-02\t{}\n`);
  });

  it("doubles the JSON's backslashes, which COPY would otherwise read as escapes", () => {
    const json = JSON.stringify({ a: 'line\nbreak\ttab "q" \\ back' });
    const line = copyText([{ key: '00'.repeat(16), date: null, json }]);
    const field = line.split('\t')[2].replace(/\n$/, '');
    expect(field).not.toMatch(/[\n\t]/);
    expect(field.replace(/\\\\/g, '\\')).toBe(json);
  });
});
