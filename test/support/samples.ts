import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TemplatesRepository } from '@app/sync-tasks';
import {
  csvField,
  SAMPLE_FILES,
  SampleFileSpec,
  sampleFileMeta,
  sampleRows,
  writeSampleFile,
} from '../../src/seed/sample-files';
import { SAMPLE_TEMPLATES } from '../../src/seed/sample-templates';
import { TestApp } from './test-app';

export async function installSampleTemplates(t: TestApp): Promise<void> {
  const templates = t.app.get(TemplatesRepository);
  for (const template of SAMPLE_TEMPLATES) await templates.insertIfAbsent(template);
}

/** A sample spec by platform/domain/format, resized. */
export function sampleSpec(
  match: Partial<Pick<SampleFileSpec, 'format' | 'encoding' | 'shopId'>> & { platform: string; domain: string },
  rows: number,
): SampleFileSpec {
  const spec = SAMPLE_FILES.find(
    (s) =>
      s.template.platform === match.platform &&
      s.template.dataDomain === match.domain &&
      (!match.format || s.format === match.format) &&
      (!match.encoding || s.encoding === match.encoding) &&
      (!match.shopId || s.shopId === match.shopId),
  );
  if (!spec) throw new Error(`no sample for ${JSON.stringify(match)}`);
  return { ...spec, rows };
}

export async function writeSample(
  dir: string,
  spec: SampleFileSpec,
): Promise<{ path: string; meta: Record<string, string> }> {
  const path = await writeSampleFile(dir, spec);
  const m = sampleFileMeta(spec);
  return {
    path,
    meta: {
      platform: m.platform,
      shop_id: m.shopId,
      data_domain: m.dataDomain,
      sub_domain: m.subDomain,
      granularity: m.granularity,
      period_start: m.periodStart,
      period_end: m.periodEnd,
    },
  };
}

/** Writes a UTF-8 CSV of the spec's rows after `edit` (header first), for changed-file scenarios. */
export function writeEditedCsv(
  dir: string,
  name: string,
  spec: SampleFileSpec,
  edit: (rows: string[][]) => string[][],
): string {
  const header = spec.template.columns.map((c) => c.name);
  const rows = edit([...sampleRows(spec)]);
  const path = join(dir, name);
  writeFileSync(path, [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n');
  return path;
}
