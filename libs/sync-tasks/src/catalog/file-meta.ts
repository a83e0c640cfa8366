import { basename } from 'node:path';
import { z } from 'zod';
import { DATA_DOMAINS, GRANULARITIES } from '@app/db';
import { TEXT_ENCODINGS, unstorableCharacter } from '@app/parsing';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine(
    (v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
    'not a calendar date',
  );

/** Text PostgreSQL can store: no U+0000, no unpaired surrogate (either made the insert fail with a 500). */
const storable = <T extends z.ZodString>(schema: T) =>
  schema.superRefine((value, ctx) => {
    const character = unstorableCharacter(value);
    if (character) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `contains ${character}` });
  });

/** Metadata of a collected export file, from an upload form, a sidecar or the file name. */
export const fileMetaSchema = z
  .object({
    platform: z.string().regex(/^[a-z][a-z0-9_-]{1,31}$/, 'lower-case letters, digits, _ or -'),
    shop_id: storable(z.string().min(1).max(64)),
    data_domain: z.enum(DATA_DOMAINS),
    sub_domain: storable(z.string().max(64))
      .optional()
      .transform((v) => (v === undefined || v === 'all' ? '' : v)),
    granularity: z.enum(GRANULARITIES),
    period_start: isoDate.optional(),
    period_end: isoDate.optional(),
    /** CSV text encoding, when the sender knows it: overrides detection. */
    encoding: z.enum(TEXT_ENCODINGS).optional(),
  })
  .strict()
  .refine((m) => !m.period_start || !m.period_end || m.period_start <= m.period_end, {
    message: 'period_start is after period_end',
    path: ['period_end'],
  });

export type FileMeta = z.infer<typeof fileMetaSchema>;
export interface MetaProblem {
  field: string;
  errors: string[];
}

export function parseFileMeta(input: unknown): { meta: FileMeta } | { problems: MetaProblem[] } {
  const parsed = fileMetaSchema.safeParse(input);
  if (parsed.success) return { meta: parsed.data };
  const byField = new Map<string, string[]>();
  for (const issue of parsed.error.issues) {
    const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : 'metadata');
    byField.set(field, [...(byField.get(field) ?? []), issue.message]);
  }
  return { problems: [...byField].map(([field, errors]) => ({ field, errors })) };
}

/**
 * The naming convention of collected files:
 * `{platform}__{shop_id}__{data_domain}__{sub_domain|all}__{granularity}__{YYYY-MM-DD}_{YYYY-MM-DD}.{csv|xlsx}`
 * e.g. `shopee__sg_1001__orders__all__daily__2026-11-01_2026-11-01.csv`.
 */
export function metaFromFileName(path: string): Record<string, string> | undefined {
  const name = basename(path).replace(/\.(csv|xlsx)$/i, '');
  const parts = name.split('__');
  if (parts.length !== 6) return undefined;
  const [platform, shop_id, data_domain, sub_domain, granularity, period] = parts;
  const [period_start, period_end] = period.split('_');
  return {
    platform,
    shop_id,
    data_domain,
    sub_domain,
    granularity,
    period_start,
    period_end: period_end ?? period_start,
  };
}
