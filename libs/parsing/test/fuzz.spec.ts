import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@app/common/seeded-random';
import { openRowSource } from '../src/row-source';
import type { FileFormat } from '../src/row-source.types';
import { UnreadableFileError } from '../src/unreadable-file.error';
import { sheetXml, workbookParts, writeZip } from './zip-writer';

/**
 * Seeded, time-boxed mutation of valid inputs: every case must give rows or an UnreadableFileError, each
 * within CASE_MS and the whole run within a memory bound, never a hang or another error. A failure names
 * its seed: FUZZ_SEED=<seed> FUZZ_CASES=1 replays it. FUZZ_SECONDS (default 12) sets the budget.
 */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 12);
const FIRST_SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const MAX_CASES = Number(process.env.FUZZ_CASES ?? 100_000);
const CASE_MS = 2_000;
const RSS_GROWTH_BYTES = 400 * 1024 * 1024;

const CORPUS = join(__dirname, 'fixtures', 'corpus');
const SHEET_ROWS = Array.from(
  { length: 40 },
  (_, r) =>
    `<row r="${r + 1}"><c r="A${r + 1}" t="s"><v>${r % 3}</v></c><c r="B${r + 1}"><v>${r * 1.5}</v></c>` +
    `<c r="C${r + 1}" t="inlineStr"><is><t>x${r}&amp;y</t></is></c><c r="D${r + 1}" s="1"><v>45293</v></c></row>`,
).join('');
const STRINGS =
  '<sst><si><t>a</t></si><si><r><t>b</t></r><r><t>c</t></r></si><si><t xml:space="preserve"> d </t></si></sst>';
const STYLES = '<styleSheet><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>';
/** Fragments that steer mutations into the scanners' branches. */
const TOKENS = [
  '<row>',
  '<row r="9999999">',
  '</row>',
  '<c>',
  '<c r="XFD1">',
  '<c r="ZZZZ1">',
  '</c>',
  '<v>',
  '</v>',
  '<is><t>',
  '</t></is>',
  '<![CDATA[',
  ']]>',
  '<x:c>',
  '<mc:AlternateContent>',
  '<mc:Choice Requires="x14">',
  '</mc:Choice>',
  '<mc:Fallback>',
  '</mc:AlternateContent>',
  '&amp;',
  '&#0;',
  '&#xD800;',
  '_x0000_',
  '<',
  '>',
  '"',
  '/>',
  '<si>',
  '</si>',
  '<sheetData>',
  '</sheetData>',
  't="s"',
  't="e"',
  't="d"',
  's="99999"',
  '\u0000',
  '\ufffd',
];
const CSV_TEXT = readFileSync(join(CORPUS, 'csv-utf8.csv'));
const CSV_SEEDS = ['csv-utf8.csv', 'csv-gbk.csv', 'csv-utf16le-bom-tab.csv', 'csv-windows-1252.csv'].map((name) =>
  readFileSync(join(CORPUS, name)),
);
const XLSX_SEEDS = ['openpyxl.xlsx', 'xlsxwriter.xlsx', 'libreoffice.xlsx', 'dotnet-prefixed.xlsx'].map((name) =>
  readFileSync(join(CORPUS, name)),
);

type Rng = () => number;
const int = (next: Rng, n: number): number => Math.floor(next() * n);

function mutateText(next: Rng, text: string): string {
  let out = text;
  for (let m = 1 + int(next, 4); m > 0; m--) {
    const at = int(next, out.length + 1);
    switch (int(next, 5)) {
      case 0:
        out = out.slice(0, at) + TOKENS[int(next, TOKENS.length)] + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + int(next, 40));
        break;
      case 2: {
        const piece = out.slice(at, at + 1 + int(next, 200));
        out = out.slice(0, at) + piece.repeat(1 + int(next, 50)) + out.slice(at);
        break;
      }
      case 3:
        out = out.slice(0, at);
        break;
      default:
        out = out.slice(0, at) + String.fromCharCode(int(next, 0x3000)) + out.slice(at + 1);
    }
  }
  return out;
}

function mutateBytes(next: Rng, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (let m = 1 + int(next, 8); m > 0; m--) out[int(next, out.length)] = int(next, 256);
  return next() < 0.2 ? out.subarray(0, int(next, out.length)) : out;
}

/** One case: a file and its format, built from the seed. */
function buildCase(seed: number, dir: string): { path: string; format: FileFormat } {
  const next = mulberry32(seed);
  const path = join(dir, `case-${seed}`);
  switch (int(next, 4)) {
    case 0: {
      // XML-level mutation of a workbook's parts, rezipped: reaches the scanners
      const target = int(next, 3);
      const parts = workbookParts([target === 0 ? mutateText(next, sheetXml(SHEET_ROWS)) : sheetXml(SHEET_ROWS)], {
        'xl/sharedStrings.xml': target === 1 ? mutateText(next, STRINGS) : STRINGS,
        'xl/styles.xml': target === 2 ? mutateText(next, STYLES) : STYLES,
      });
      writeZip(path, parts);
      return { path, format: 'xlsx' };
    }
    case 1:
      writeFileSync(path, mutateBytes(next, XLSX_SEEDS[int(next, XLSX_SEEDS.length)]));
      return { path, format: 'xlsx' };
    case 2:
      writeFileSync(path, mutateText(next, CSV_TEXT.toString('utf8')));
      return { path, format: 'csv' };
    default:
      writeFileSync(path, mutateBytes(next, CSV_SEEDS[int(next, CSV_SEEDS.length)]));
      return { path, format: 'csv' };
  }
}

async function readCase(path: string, format: FileFormat): Promise<'rows' | 'unreadable'> {
  try {
    const source = await openRowSource(path, format, { headerRow: 1 });
    for await (const row of source.rows) expect(Array.isArray(row.values)).toBe(true);
    return 'rows';
  } catch (error) {
    if (error instanceof UnreadableFileError) return 'unreadable';
    throw error;
  }
}

describe('fuzzing the readers with mutated XLSX and CSV files', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'parsing-fuzz-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'gives rows or UnreadableFileError for every case, each in bounded time, in bounded memory',
    async () => {
      const rssBefore = process.memoryUsage().rss;
      const deadline = Date.now() + SECONDS * 1000;
      const outcomes = { rows: 0, unreadable: 0 };
      let slowest = 0;
      for (let seed = FIRST_SEED; seed < FIRST_SEED + MAX_CASES && Date.now() < deadline; seed++) {
        const { path, format } = buildCase(seed, dir);
        const started = Date.now();
        const outcome = await readCase(path, format).catch((error: Error) => {
          throw new Error(`seed ${seed} (${format}): ${error.name}: ${error.message}`, { cause: error });
        });
        const elapsed = Date.now() - started;
        slowest = Math.max(slowest, elapsed);
        if (elapsed > CASE_MS) throw new Error(`seed ${seed} (${format}) took ${elapsed} ms`);
        outcomes[outcome]++;
        rmSync(path, { force: true });
      }
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(RSS_GROWTH_BYTES);
      // Both outcomes must occur, or the mutations are too weak (or too strong) to test anything.
      expect(outcomes.rows).toBeGreaterThan(20);
      expect(outcomes.unreadable).toBeGreaterThan(20);
      expect(slowest).toBeLessThanOrEqual(CASE_MS);
    },
    (SECONDS + 60) * 1000,
  );
});
