import { ColumnType } from '@app/db';
import { Template } from '../templates/templates.repository';
import { columnIndex, keyFields, metricDate, parseTyped, rowHash } from './parsing';

export type PreparedRow =
  | { ok: true; hash: string; date: string | null; record: Record<string, string> }
  | { ok: false; reason: string; raw: unknown };

/**
 * Turns a raw row into a fact: checks the column count and the types a template declares,
 * keeps the original record (headers as in the file) and hashes the dedup fields.
 */
export class RowPreparer {
  private readonly types: (ColumnType | undefined)[];
  private readonly dedupFields: string[] | null;
  private readonly dateIndex: number;

  constructor(
    private readonly headers: string[],
    template: Template | undefined,
    /** XLSX omits trailing empty cells; CSV rows must be complete. */
    private readonly padShortRows: boolean,
  ) {
    const typeOf = new Map(template?.columns.map((c) => [c.name, c.type]));
    this.types = headers.map((h) => typeOf.get(h));
    this.dedupFields = template ? template.dedupFields : null;
    this.dateIndex = template?.dateField ? columnIndex(headers, [template.dateField])[0] : -1;
  }

  prepare(values: string[]): PreparedRow {
    const { headers } = this;
    if (values.length !== headers.length && !(this.padShortRows && values.length < headers.length)) {
      return { ok: false, reason: `expected ${headers.length} columns, found ${values.length}`, raw: values };
    }
    const record: Record<string, string> = {};
    const problems: string[] = [];
    for (let i = 0; i < headers.length; i++) {
      const value = values[i] ?? '';
      record[headers[i]] = value;
      const type = this.types[i];
      if (type && type !== 'text') {
        const parsed = parseTyped(type, value);
        if (!parsed.ok) problems.push(`${headers[i]}: ${parsed.reason}`);
      }
    }
    if (problems.length) return { ok: false, reason: problems.join('; '), raw: record };
    const fields = keyFields(headers, values, this.dedupFields);
    if (!fields.length) return { ok: false, reason: 'row has no key values', raw: record };
    const date = this.dateIndex >= 0 ? metricDate(values[this.dateIndex]) : null;
    return { ok: true, hash: rowHash(record, fields), date, record };
  }
}
