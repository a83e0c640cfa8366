import type { CellValue } from 'exceljs';

/** Cell text as the sheet shows it, for any value ExcelJS reads. */
export function cellText(value: CellValue): string {
  if (value === null || value === undefined) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (value instanceof Date) return dateText(value);
  if ('richText' in value) return value.richText.map((run) => run.text ?? '').join('');
  if ('formula' in value || 'sharedFormula' in value) return cellText(value.result);
  if ('error' in value) return value.error;
  if ('text' in value) return cellText(value.text);
  return '';
}

/**
 * Excel keeps 15 significant digits, so rounding there drops binary noise (0.1 + 0.2) without losing data;
 * plain notation because 1e21 and 1e-7 are not what the sheet shows.
 */
export function numberText(n: number): string {
  if (!Number.isFinite(n)) return '';
  const plain = String(n);
  // At most 15 characters hold at most 15 significant digits: rounding to 15 would change nothing.
  if (plain.length <= 15 && !plain.includes('e')) return plain;
  const rounded = Number(n.toPrecision(15));
  const text = String(rounded);
  if (!text.includes('e')) return text;
  return rounded.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

/** ExcelJS turns date-formatted cells into UTC dates holding the wall-clock time; rounded to the second. */
export function dateText(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) return '';
  const iso = new Date(Math.round(time / 1000) * 1000).toISOString();
  const day = iso.slice(0, 10);
  const clock = iso.slice(11, 19);
  return clock === '00:00:00' ? day : `${day} ${clock}`;
}
