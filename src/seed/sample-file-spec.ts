import type { DataDomain, Granularity } from '@app/db';
import type { SampleTemplate } from './sample-templates';

export type SampleEncoding = 'utf8-bom' | 'utf8' | 'gbk';

export interface SampleFileSpec {
  fileName: string;
  template: SampleTemplate;
  shopId: string;
  format: 'csv' | 'xlsx';
  rows: number;
  periodStart: string;
  periodEnd: string;
  /** CSV only; defaults to utf8. */
  encoding?: SampleEncoding;
  /** Seed of the rows; defaults to the file name. Specs with the same seed hold the same rows (CSV and XLSX). */
  rowSeed?: string;
}

export interface SampleFileMeta {
  platform: string;
  shopId: string;
  dataDomain: DataDomain;
  /** '' for the whole domain, written as 'all' in the file name. */
  subDomain: string;
  granularity: Granularity;
  periodStart: string;
  periodEnd: string;
}

export function sampleFileMeta(spec: SampleFileSpec): SampleFileMeta {
  const { platform, dataDomain, subDomain, granularity } = spec.template;
  return {
    platform,
    shopId: spec.shopId,
    dataDomain,
    subDomain,
    granularity,
    periodStart: spec.periodStart,
    periodEnd: spec.periodEnd,
  };
}

/** `{platform}__{shopId}__{dataDomain}__{subDomain|all}__{granularity}__{start}_{end}.{ext}` */
export function sampleFileName(meta: SampleFileMeta, format: SampleFileSpec['format']): string {
  const parts = [meta.platform, meta.shopId, meta.dataDomain, meta.subDomain || 'all', meta.granularity];
  return `${parts.join('__')}__${meta.periodStart}_${meta.periodEnd}.${format}`;
}
