import { copyLine } from './fact-rows.repository';

describe(copyLine.name, () => {
  it('writes one tab-separated line with the file id, the key as bytea hex and a NULL date as \\N', () => {
    const key = 'ab'.repeat(16);
    expect(copyLine(12, key, null, '{"a":"1"}')).toBe(`12\t\\\\x${key}\t\\N\t{"a":"1"}\n`);
    expect(copyLine(12, key, '2026-01-02', '{}')).toBe(`12\t\\\\x${key}\t2026-01-02\t{}\n`);
  });

  it("doubles the JSON's backslashes, which COPY would otherwise read as escapes", () => {
    const json = JSON.stringify({ a: 'line\nbreak\ttab "q" \\ back' });
    const field = copyLine(1, '00'.repeat(16), null, json).split('\t')[3].replace(/\n$/, '');
    expect(field).not.toMatch(/[\n\t]/);
    expect(field.replace(/\\\\/g, '\\')).toBe(json);
  });
});
