import { ColumnType } from '@app/db';
import { Template } from '../templates/templates.repository';
import {
  columnIndex,
  fixedFieldsHash,
  jsonString,
  keyFields,
  metricDate,
  rowHashOfValues,
  rowKey,
  typeProblem,
  unstorableCharacter,
} from '@app/parsing';
import { quarantinedCells, quarantinedRecord, quarantineReason } from './quarantine-record';

/** A fact ready to write: its identity (hex), metric date and original record as JSON text. */
export type PreparedRow =
  { ok: true; key: string; date: string | null; json: string } | { ok: false; reason: string; raw: unknown };

/**
 * Turns a raw row into a fact: checks the column count, the types a template declares and that PostgreSQL
 * can store every value (no U+0000, no unpaired surrogate: either would fail the whole batch's COPY), keeps
 * the original record (headers as in the file) and keys it by its scope and dedup fields.
 */
export class RowPreparer {
  private readonly types: (ColumnType | undefined)[];
  private readonly typed: boolean;
  private readonly lastIndex: Map<string, number>;
  /** The key hash over the template's dedup fields, null without a template or without dedup fields. */
  private readonly dedupHash: ((values: string[]) => string) | null;
  /** A template that names no dedup fields: its rows have no key (quarantined). */
  private readonly keyless: boolean;
  private readonly dateIndex: number;
  /** `"header":` per column, with the separating comma from the second on. */
  private readonly memberPrefix: string[];
  /** Per date/datetime column, the last value that passed its check: a file's dates repeat row after row. */
  private readonly lastValidDate: (string | undefined)[];
  /** The date column's last value and its metric date (metricDate(undefined) is null). */
  private lastMetricRaw: string | undefined;
  private lastMetricDate: string | null = null;

  constructor(
    private readonly headers: string[],
    template: Template | undefined,
    /** XLSX omits trailing empty cells; CSV rows must be complete. */
    private readonly padShortRows: boolean,
    /** rowKeyScope() of the file: part of every row's identity. */
    private readonly scope: string,
  ) {
    const typeOf = new Map(template?.columns.map((c) => [c.name, c.type]));
    this.types = headers.map((h) => typeOf.get(h));
    this.typed = this.types.some((t) => t && t !== 'text');
    // A record keeps the last of duplicate headers; so do the JSON text and the key.
    this.lastIndex = new Map(headers.map((h, i) => [h, i]));
    const dedupFields = template?.dedupFields ?? [];
    this.dedupHash = dedupFields.length
      ? fixedFieldsHash(
          dedupFields,
          dedupFields.map((f) => this.lastIndex.get(f) ?? -1),
        )
      : null;
    this.keyless = template !== undefined && !dedupFields.length;
    this.dateIndex = template?.dateField ? columnIndex(headers, [template.dateField])[0] : -1;
    this.memberPrefix = headers.map((h, i) => `${i ? ',' : ''}${JSON.stringify(h)}:`);
    this.lastValidDate = headers.map(() => undefined);
  }

  prepare(values: string[]): PreparedRow {
    const { headers } = this;
    if (values.length !== headers.length && !(this.padShortRows && values.length < headers.length)) {
      const reason = `expected ${headers.length} columns, found ${values.length}`;
      return { ok: false, reason, raw: quarantinedCells(values) };
    }
    const json = this.json(values);
    // JSON.stringify writes U+0000 and unpaired surrogates as \uXXXX, so a row whose JSON has no '\u' holds
    // neither: one indexOf spares almost every row the exact check.
    if (json.indexOf('\\u') !== -1 || (this.typed && this.hasTypeProblem(values))) {
      const problems = this.problems(values);
      if (problems) return { ok: false, reason: quarantineReason(problems), raw: this.record(values) };
    }
    let hash: string | undefined;
    if (this.dedupHash) hash = this.dedupHash(values);
    else if (!this.keyless) {
      // No template: every non-empty column is part of the key.
      const fields = keyFields(headers, values, null);
      const index = fields.map((f) => this.lastIndex.get(f) ?? -1);
      if (fields.length) hash = rowHashOfValues(values, fields, index);
    }
    if (hash === undefined) return { ok: false, reason: 'row has no key values', raw: this.record(values) };
    return { ok: true, key: rowKey(this.scope, hash), date: this.metricDate(values), json };
  }

  private hasTypeProblem(values: string[]): boolean {
    for (let i = 0; i < this.headers.length; i++) {
      const type = this.types[i];
      if (!type || type === 'text') continue;
      const value = values[i] ?? '';
      const dated = type === 'date' || type === 'datetime';
      if (dated && value === this.lastValidDate[i]) continue;
      if (typeProblem(type, value)) return true;
      if (dated) this.lastValidDate[i] = value;
    }
    return false;
  }

  private metricDate(values: string[]): string | null {
    if (this.dateIndex < 0) return null;
    const raw = values[this.dateIndex];
    if (raw !== this.lastMetricRaw) {
      this.lastMetricRaw = raw;
      this.lastMetricDate = metricDate(raw);
    }
    return this.lastMetricDate;
  }

  /** Each column's problem, 'header: problem' joined by '; ': a character PostgreSQL cannot store, else the type's. */
  private problems(values: string[]): string | undefined {
    let problems: string | undefined;
    for (let i = 0; i < this.headers.length; i++) {
      const value = values[i] ?? '';
      const type = this.types[i];
      const character = unstorableCharacter(value);
      const problem = character ? `contains ${character}` : type ? typeProblem(type, value) : undefined;
      if (problem) problems = `${problems ? `${problems}; ` : ''}${this.headers[i]}: ${problem}`;
    }
    return problems;
  }

  private json(values: string[]): string {
    let json = '{';
    for (let i = 0; i < this.memberPrefix.length; i++) json += this.memberPrefix[i] + jsonString(values[i] ?? '');
    return `${json}}`;
  }

  /** The record kept in quarantine: storable (U+FFFD for what PostgreSQL refuses) and bounded. */
  private record(values: string[]): Record<string, string> {
    return quarantinedRecord(this.headers, values);
  }
}
