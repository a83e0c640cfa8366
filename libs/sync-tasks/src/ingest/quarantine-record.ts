import { truncated } from '@app/db';
import { storableText } from '@app/parsing';

/** What a quarantined row keeps of its values: enough to see the defect, never the whole of a crafted row. */
export const QUARANTINE_MAX_CELLS = 64;
export const QUARANTINE_MAX_CELL_CHARS = 256;
export const QUARANTINE_MAX_REASON = 1_000;
/** The key under which a record cut to its first cells notes how many it had. */
export const CELL_COUNT_KEY = '…';

const kept = (value: string | undefined): string => truncated(storableText(value ?? ''), QUARANTINE_MAX_CELL_CHARS);

/**
 * A row's cells as quarantine keeps them: storable (U+FFFD for what PostgreSQL refuses), each cut to 256
 * characters, the first 64; past that, a last element gives the original cell count.
 */
export function quarantinedCells(values: string[]): string[] {
  const cells = values.slice(0, QUARANTINE_MAX_CELLS).map(kept);
  if (values.length > QUARANTINE_MAX_CELLS) cells.push(`${CELL_COUNT_KEY} ${values.length} cells in all`);
  return cells;
}

/** A row as a record by header, bounded as `quarantinedCells`; a cut record says its cell count under '…'. */
export function quarantinedRecord(headers: string[], values: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  const count = Math.min(headers.length, QUARANTINE_MAX_CELLS);
  for (let i = 0; i < count; i++) record[headers[i]] = kept(values[i]);
  if (headers.length > QUARANTINE_MAX_CELLS) record[CELL_COUNT_KEY] = `${headers.length} cells in all`;
  return record;
}

export const quarantineReason = (reason: string): string => truncated(reason, QUARANTINE_MAX_REASON);
