/**
 * The files the ingest bench reads, written by the seed's sample writer (their writing is not measured).
 */
import { closeSync, createReadStream, createWriteStream, openSync, readSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import {
  SAMPLE_FILES,
  SampleFileSpec,
  sampleFileMeta,
  sampleFileName,
  writeSampleFile,
} from '../../src/seed/sample-files';
import { SAMPLE_TEMPLATES, SampleTemplate } from '../../src/seed/sample-templates';
import { log } from '../lib/bench-env';
import { round } from '../lib/stats';

/** A file of the demo's sample set (`platform`/`domain` in `format`; CSV in plain UTF-8), resized to `rows`. */
export function sampleSetSpec(platform: string, domain: string, format: 'csv' | 'xlsx', rows: number): SampleFileSpec {
  const base = SAMPLE_FILES.find(
    (s) =>
      s.template.platform === platform &&
      s.template.dataDomain === domain &&
      s.format === format &&
      (format === 'xlsx' || s.encoding === 'utf8'),
  );
  if (!base) throw new Error(`no sample spec ${platform}/${domain}/${format}`);
  return { ...base, rows };
}

/** The template named `platform/domain` (as in BENCH_PAIR_TEMPLATE). */
export function templateNamed(name: string): SampleTemplate {
  const [platform, domain] = name.split('/');
  const template = SAMPLE_TEMPLATES.find((t) => t.platform === platform && t.dataDomain === domain);
  if (!template) throw new Error(`no sample template ${name}`);
  return template;
}

/** A file of `template` for one shop; `rowSeed` fixes its rows whatever its name and format. */
export function benchSpec(
  template: SampleTemplate,
  shopId: string,
  format: 'csv' | 'xlsx',
  rows: number,
  rowSeed?: string,
): SampleFileSpec {
  const period = SAMPLE_FILES.find((s) => s.template === template) ?? SAMPLE_FILES[0];
  const spec: SampleFileSpec = {
    fileName: '',
    template,
    shopId,
    format,
    rows,
    periodStart: period.periodStart,
    periodEnd: period.periodEnd,
    encoding: 'utf8',
    rowSeed,
  };
  return { ...spec, fileName: sampleFileName(sampleFileMeta(spec), format) };
}

export async function generate(dir: string, spec: SampleFileSpec, announce = true): Promise<string> {
  const started = Date.now();
  const path = await writeSampleFile(dir, spec);
  const seconds = round((Date.now() - started) / 1000);
  if (announce) log(`generated ${spec.rows} rows of ${spec.fileName} in ${seconds} s (not measured)`);
  return path;
}

/** The COPY input: the CSV itself when it is already BOM-less UTF-8, else a copy without the BOM. */
export async function utf8Copy(path: string, copyPath: string): Promise<string> {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(3);
  readSync(fd, head, 0, 3, 0);
  closeSync(fd);
  if (head[0] !== 0xef || head[1] !== 0xbb || head[2] !== 0xbf) return path;
  await pipeline(createReadStream(path, { start: 3 }), createWriteStream(copyPath));
  return copyPath;
}

export function fileSize(path: string): number {
  return statSync(path).size;
}
