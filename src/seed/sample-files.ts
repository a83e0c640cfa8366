import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sampleFileMeta, sampleFileName, SampleEncoding, SampleFileSpec } from './sample-file-spec';
import {
  AMAZON_INVENTORY,
  MIAOSHOU_SERVICES,
  SHOPEE_ORDERS,
  SHOPEE_PRODUCTS,
  SampleTemplate,
  TIKTOK_ANALYTICS,
  TIKTOK_ORDERS,
} from './sample-templates';
import { writeSampleFile } from './sample-writers';

// The demo's sample export files and the entry point that writes them. The pieces live beside this file:
// sample-file-spec (what a file is and its name), sample-writers (CSV/XLSX bytes), sample-rows (row
// factories per template) and the vocabulary, products, codes and period helpers those draw on.
export { sampleFileMeta, sampleFileName } from './sample-file-spec';
export type { SampleEncoding, SampleFileMeta, SampleFileSpec } from './sample-file-spec';
export { sampleRows } from './sample-rows';
export { csvField, titleLines, writeSampleFile } from './sample-writers';

function sampleFile(
  template: SampleTemplate,
  shopId: string,
  format: SampleFileSpec['format'],
  rows: number,
  [periodStart, periodEnd]: [string, string],
  encoding?: SampleEncoding,
): SampleFileSpec {
  const spec: SampleFileSpec = { fileName: '', template, shopId, format, rows, periodStart, periodEnd, encoding };
  return { ...spec, fileName: sampleFileName(sampleFileMeta(spec), format) };
}

export const SAMPLE_FILES: SampleFileSpec[] = [
  sampleFile(SHOPEE_ORDERS, 'sg_1001', 'csv', 5000, ['2026-11-01', '2026-11-01'], 'utf8-bom'),
  sampleFile(SHOPEE_ORDERS, 'my_2001', 'xlsx', 3000, ['2026-11-02', '2026-11-02']),
  sampleFile(SHOPEE_PRODUCTS, 'sg_1001', 'xlsx', 2500, ['2026-11-01', '2026-11-01']),
  sampleFile(TIKTOK_ORDERS, 'tt_5001', 'csv', 4000, ['2026-11-03', '2026-11-03'], 'utf8'),
  sampleFile(TIKTOK_ORDERS, 'tt_5002', 'csv', 8000, ['2026-11-03', '2026-11-03'], 'utf8-bom'),
  sampleFile(TIKTOK_ANALYTICS, 'tt_5001', 'xlsx', 3500, ['2026-11-01', '2026-11-07']),
  sampleFile(AMAZON_INVENTORY, 'us_7001', 'csv', 2000, ['2026-11-01', '2026-11-01'], 'utf8'),
  sampleFile(MIAOSHOU_SERVICES, 'ms_9001', 'csv', 2500, ['2026-10-01', '2026-10-31'], 'gbk'),
];

// ---------------------------------------------------------------- writing

/** Writes only files that are missing, so re-running `seed` never touches files already catalogued. */
export async function writeSampleFiles(dir: string, specs: SampleFileSpec[] = SAMPLE_FILES): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const spec of specs) {
    const path = join(dir, spec.fileName);
    if (!(await fileExists(path))) await writeSampleFile(dir, spec);
    paths.push(path);
  }
  return paths;
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
