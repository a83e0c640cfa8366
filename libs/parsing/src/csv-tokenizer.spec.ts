import { parse } from 'csv-parse';
import { mulberry32 } from '@app/common/seeded-random';
import { CsvDialect, CsvTokenizer } from './csv-tokenizer';
import { UnreadableFileError } from './unreadable-file.error';

const VALUES = [
  '',
  'abc',
  ' spaced ',
  'a,b',
  'say "hi"',
  'two\nlines',
  'two\r\nlines',
  '中文,逗号',
  '"',
  '""',
  'x;y',
  '123.45',
];
/** Written unquoted on purpose: a stray quote inside an unquoted field is literal. */
const STRAY = ['ab"c', 'x""'];

function csvText(rows: string[][], delimiter: string, eol: string): string {
  const field = (value: string): string =>
    STRAY.includes(value) || !/[",;\r\n\t|]/.test(value) ? value : `"${value.replace(/"/g, '""')}"`;
  return rows.map((row) => row.map(field).join(delimiter)).join(eol) + eol;
}

function tokenize(text: string, dialect: CsvDialect, cuts: number[]): string[][] {
  const tokenizer = new CsvTokenizer(dialect);
  const records: string[][] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    records.push(...tokenizer.push(text.slice(from, cut)));
    from = cut;
  }
  records.push(...tokenizer.end(text.slice(from)));
  return records;
}

function csvParse(text: string, delimiter: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const options = { delimiter, relax_column_count: true, relax_quotes: true };
    parse(text, options, (error, records: string[][]) => (error ? reject(error) : resolve(records)));
  });
}

const trimmed = (records: string[][]): string[][] => records.map((record) => record.map((value) => value.trim()));

describe(CsvTokenizer.name, () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'agrees with csv-parse on random quoted data cut anywhere (seed %i)',
    async (seed) => {
      const next = mulberry32(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
      const delimiter = pick([',', ';', '\t', '|']);
      const eol = pick(['\n', '\r\n']);
      const rows = Array.from({ length: 200 }, () =>
        Array.from({ length: 1 + Math.floor(next() * 6) }, () => pick([...VALUES, ...STRAY])),
      ).filter((row) => row.join('') !== '');
      const text = csvText(rows, delimiter, eol);
      const cuts = Array.from({ length: 40 }, () => Math.floor(next() * text.length));
      const ours = trimmed(tokenize(text, { delimiter, lineBreak: '\n' }, cuts));
      expect(ours).toEqual(trimmed(await csvParse(text, delimiter)));
      expect(ours).toEqual(trimmed(rows));
    },
  );

  it('yields a record per line, empty lines included, and none for the final line break', () => {
    expect(tokenize('a,b\n\nc\n', { delimiter: ',', lineBreak: '\n' }, [])).toEqual([['a', 'b'], [''], ['c']]);
  });

  it('reads old Mac line breaks', () => {
    expect(tokenize('a,b\r"x\ry",z\r', { delimiter: ',', lineBreak: '\r' }, [5])).toEqual([
      ['a', 'b'],
      ['x\ry', 'z'],
    ]);
  });

  it('waits for the next chunk when a quote ends one, as it may be the first of ""', () => {
    const tokenizer = new CsvTokenizer({ delimiter: ',', lineBreak: '\n' });
    expect(tokenizer.push('"a"')).toEqual([]);
    expect(tokenizer.push('"b",c\n')).toEqual([['a"b', 'c']]);
  });

  it('allows spaces before an opening quote and keeps text after a closing one', () => {
    expect(tokenize('a, "b,c" ,"d"e\n', { delimiter: ',', lineBreak: '\n' }, [])).toEqual([['a', 'b,c ', 'de']]);
  });

  it('reports a quote never closed with its row number', () => {
    const tokenizer = new CsvTokenizer({ delimiter: ',', lineBreak: '\n' });
    tokenizer.push('a\nb\n"open');
    expect(() => tokenizer.end()).toThrow(new UnreadableFileError('row 3: a quoted field is never closed'));
  });

  it('gives up on a record that grows past maxRowChars, naming the limit', () => {
    const tokenizer = new CsvTokenizer({ delimiter: ',', lineBreak: '\n' }, 4 * 1024 * 1024);
    expect(() => tokenizer.push(`"${'x'.repeat(5 * 1024 * 1024)}`)).toThrow(UnreadableFileError);
    expect(() => new CsvTokenizer({ delimiter: ',', lineBreak: '\n' }, 100).push(`"${'x'.repeat(200)}`)).toThrow(
      /maxRowChars limit of 100/,
    );
  });
});
