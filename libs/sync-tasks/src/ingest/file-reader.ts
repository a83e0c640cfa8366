import {
  compareHeaders,
  openRowSource,
  ReadLimits,
  RowSource,
  rowKeyScope,
  SheetRow,
  UnreadableFileError,
} from '@app/parsing';
import { CatalogFile } from '../catalog/catalog.repository';
import { TaskErrorCode } from '../tasks/task-error-code';
import { Template } from '../templates/templates.repository';
import { Batch } from './batch';
import { FactScope } from './fact-rows.repository';
import { PermanentIngestError } from './ingest-errors';
import { RowPreparer } from './row-preparer';

/**
 * A claimed file's rows as batches to commit: the source open, rows prepared, rows up to the checkpoint
 * skipped. Pulled one batch at a time, so the caller decides what overlaps: the next batch is read while one
 * commits, and the next file of a task reads its first batch while this one's last batch commits.
 */
export class FileReader {
  readonly scope: FactScope;
  private readonly rows: AsyncIterator<SheetRow>;
  private preparer?: RowPreparer;
  private done = false;

  private constructor(
    readonly file: CatalogFile,
    readonly source: RowSource,
    private readonly template: Template | undefined,
    private readonly batchRows: number,
  ) {
    this.scope = scopeOf(file);
    this.rows = source.rows[Symbol.asyncIterator]();
  }

  /** Opens the file's source (an unreadable file is a permanent error). */
  static async open(
    file: CatalogFile,
    template: Template | undefined,
    options: { readLimits: ReadLimits; batchRows: number },
  ): Promise<FileReader> {
    const source = await openRowSource(file.path, file.format, {
      headerRow: template?.headerRow ?? 1,
      limits: options.readLimits,
      encoding: file.textEncoding ?? undefined,
    }).catch((error: unknown) => {
      throw unreadable(file, error);
    });
    return new FileReader(file, source, template, options.batchRows);
  }

  /** Headers against the template's (`HEADER_CHANGED`, a permanent error, names what was added and removed). */
  checkHeaders(): void {
    if (!this.template) return;
    const mismatch = compareHeaders(
      this.source.headers,
      this.template.columns.map((c) => c.name),
    );
    if (mismatch) {
      throw new PermanentIngestError(
        TaskErrorCode.HeaderChanged,
        `${this.file.fileName}: headers differ from the template (added: ${mismatch.added.join(', ') || '—'}; removed: ${mismatch.removed.join(', ') || '—'})`,
        { ...mismatch },
      );
    }
  }

  /** True once every row was read. */
  get exhausted(): boolean {
    return this.done;
  }

  /** Share of the file consumed, from bytes read (XLSX: the first sheet's compressed part). */
  fraction(): number {
    return this.file.sizeBytes > 0 ? Math.min(1, this.source.bytesRead() / this.file.sizeBytes) : 0;
  }

  /**
   * The next rows after the checkpoint, up to a batch (or `limit`, the room left in a commit shared with the
   * previous files); fewer (maybe none) at the end.
   */
  async next(limit = this.batchRows): Promise<Batch> {
    this.preparer ??= new RowPreparer(
      this.source.headers,
      this.template,
      this.file.format === 'xlsx',
      rowKeyScope(scopeParts(this.scope)),
    );
    const rows = Math.max(1, Math.min(limit, this.batchRows));
    const batch = new Batch(this.file.id, rows);
    const lastRow = LAST_ROW[this.file.format];
    const checkpoint = this.file.checkpointRow;
    try {
      while (batch.size < rows) {
        const next = await this.rows.next();
        if (next.done) {
          this.done = true;
          break;
        }
        const row = next.value;
        if (row.rowNumber > lastRow) {
          throw new UnreadableFileError(`row number ${row.rowNumber} is beyond the last possible row (${lastRow})`);
        }
        if (row.rowNumber <= checkpoint) continue; // committed by an earlier attempt
        batch.add(row.rowNumber, this.preparer.prepare(row.values));
      }
    } catch (error) {
      if (error instanceof UnreadableFileError) throw unreadable(this.file, error);
      throw error;
    }
    return batch;
  }

  close(): Promise<void> {
    return this.source.close();
  }
}

/**
 * A sheet has at most 1,048,576 rows; row numbers are stored as int4 (quarantine, checkpoints). A crafted
 * `<row r="2147483648">` once failed the quarantine insert as an internal error.
 */
const LAST_ROW: Record<CatalogFile['format'], number> = { xlsx: 1_048_576, csv: 2_147_483_647 };

export function scopeOf(file: CatalogFile): FactScope {
  return {
    fileId: file.id,
    platform: file.platform,
    shopId: file.shopId,
    dataDomain: file.dataDomain,
    subDomain: file.subDomain,
    granularity: file.granularity,
  };
}

/** The columns a row key covers, in the order migration 0001 hashes them. */
function scopeParts(scope: FactScope): string[] {
  return [scope.platform, scope.shopId, scope.dataDomain, scope.subDomain, scope.granularity];
}

function unreadable(file: CatalogFile, error: unknown): PermanentIngestError {
  if (error instanceof PermanentIngestError) return error;
  return new PermanentIngestError(
    TaskErrorCode.UnreadableFile,
    `${file.fileName}: unreadable ${file.format.toUpperCase()} file (${(error as Error).message})`,
  );
}
