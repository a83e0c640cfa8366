import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { CacheService } from '@app/cache';
import { AppConfig } from '@app/config';
import { DomainError, Page, PageQuery } from '@app/common';
import { CatalogFile, CatalogFilter, CatalogRepository, DuplicateFileError } from './catalog.repository';
import { confinedDirectory, confinedWalk } from './confined-walk';
import { FileMeta, metaFromFileName, parseFileMeta } from './file-meta';
import { describeFile, discard, moveIntoStore, StoredFile, storeStream } from './file-store';
import { unstorableCharacter } from '@app/parsing';

export interface ScanReport {
  directory: string;
  registered: { id: number; path: string }[];
  duplicates: { path: string; existing_file_id: number }[];
  skipped: { path: string; reason: string }[];
  /** The walk stopped at SCAN_MAX_FILES entries; scan the sub-directories one by one. */
  truncated: boolean;
}

const INGESTIBLE = new Set(['.csv', '.xlsx']);

@Injectable()
export class CatalogService {
  private readonly logger = new Logger(CatalogService.name);

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly config: AppConfig,
    private readonly cache: CacheService,
  ) {}

  get filesDir(): string {
    return join(this.config.app.dataDir, 'files');
  }

  list(filter: CatalogFilter, page: PageQuery): Promise<Page<CatalogFile>> {
    return this.catalog
      .list(filter, page)
      .then(({ items, total }) => ({ items, total, page: page.page, page_size: page.pageSize }));
  }

  async get(id: number): Promise<CatalogFile> {
    const file = await this.catalog.findById(id);
    if (!file) throw DomainError.notFound('File', id);
    return file;
  }

  /**
   * Stores an uploaded file (hashing while streaming), checks its type from its content and
   * registers it. The same bytes twice → 409 naming the existing file.
   */
  async upload(
    stored: StoredFile,
    fileName: string,
    fields: Record<string, string>,
    userId: number,
  ): Promise<CatalogFile> {
    try {
      requireStorableName(fileName);
      const meta = this.requireMeta(fields);
      const format = requireFormat(stored, fileName);
      const existing = await this.catalog.findBySha256(stored.sha256);
      if (existing) throw duplicate(existing.id);
      const path = await moveIntoStore(stored, this.filesDir, format);
      const file = await this.register(path, fileName, meta, { ...stored, path }, format, userId);
      await this.cache.invalidate('account_stats'); // the stats count files per platform and status
      return file;
    } finally {
      await discard(stored); // no-op once moved
    }
  }

  storeUpload(stream: NodeJS.ReadableStream): Promise<StoredFile> {
    return storeStream(stream, this.filesDir);
  }

  /**
   * Registers the CSV/XLSX files under `dir` (default DATA_DIR/samples) in place. Only inside SCAN_ROOTS
   * (symlinks resolved), at most SCAN_MAX_FILES entries per call. The seed passes its own samples
   * directory as the root: it wrote those files itself.
   */
  async scan(
    dir = join(this.config.app.dataDir, 'samples'),
    roots = this.config.limits.scan.roots,
  ): Promise<ScanReport> {
    const { maxFiles } = this.config.limits.scan;
    const confined = await confinedDirectory(dir, roots);
    const { directory } = confined;
    const walked = await confinedWalk(directory, confined.roots, maxFiles);
    const paths = walked.files;
    const report: ScanReport = {
      directory,
      registered: [],
      duplicates: [],
      skipped: walked.skipped,
      truncated: walked.truncated,
    };
    for (const path of paths.filter((p) => INGESTIBLE.has(extname(p).toLowerCase()))) {
      const meta = parseFileMeta((await sidecar(path)) ?? metaFromFileName(path) ?? {});
      if ('problems' in meta) {
        report.skipped.push({
          path,
          reason: `no usable metadata (${meta.problems.map((p) => `${p.field}: ${p.errors.join(', ')}`).join('; ')})`,
        });
        continue;
      }
      const stored = await describeFile(path);
      if (!stored.format) {
        report.skipped.push({ path, reason: 'content is neither CSV nor XLSX' });
        continue;
      }
      try {
        const file = await this.register(path, basename(path), meta.meta, stored, stored.format, null);
        report.registered.push({ id: file.id, path });
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'DUPLICATE')) throw error;
        report.duplicates.push({
          path,
          existing_file_id: (error.details as { existing_file_id: number }).existing_file_id,
        });
      }
    }
    if (report.registered.length) await this.cache.invalidate('account_stats');
    this.logger.log(
      `scan ${directory}: ${report.registered.length} registered, ${report.duplicates.length} known, ${report.skipped.length} skipped`,
    );
    return report;
  }

  private async register(
    path: string,
    fileName: string,
    meta: FileMeta,
    stored: StoredFile,
    format: 'csv' | 'xlsx',
    userId: number | null,
  ) {
    try {
      return await this.catalog.register({
        path,
        fileName,
        format,
        platform: meta.platform,
        shopId: meta.shop_id,
        dataDomain: meta.data_domain,
        subDomain: meta.sub_domain,
        granularity: meta.granularity,
        periodStart: meta.period_start,
        periodEnd: meta.period_end,
        textEncoding: format === 'csv' ? meta.encoding : undefined,
        sha256: stored.sha256,
        sizeBytes: stored.sizeBytes,
        uploadedBy: userId,
      });
    } catch (error) {
      if (error instanceof DuplicateFileError) throw duplicate(error.existingId);
      throw error;
    }
  }

  private requireMeta(fields: Record<string, string>): FileMeta {
    const parsed = parseFileMeta(fields);
    if ('meta' in parsed) return parsed.meta;
    const message = parsed.problems.map((p) => `${p.field}: ${p.errors.join(', ')}`).join('; ');
    throw new DomainError('VALIDATION_FAILED', `Invalid file metadata: ${message}`, parsed.problems);
  }
}

const MAX_FILE_NAME = 255;

/** The uploaded file's name is stored as given: it must be text PostgreSQL can store, of a sane length. */
function requireStorableName(fileName: string): void {
  const character = unstorableCharacter(fileName);
  const problem = character
    ? `the file name contains ${character}`
    : fileName.length > MAX_FILE_NAME
      ? `the file name is longer than ${MAX_FILE_NAME} characters`
      : undefined;
  if (problem)
    throw new DomainError('VALIDATION_FAILED', `Invalid file: ${problem}`, [{ field: 'file', errors: [problem] }]);
}

function requireFormat(stored: StoredFile, fileName: string): 'csv' | 'xlsx' {
  if (stored.sizeBytes === 0)
    throw new DomainError('VALIDATION_FAILED', 'The file is empty', [{ field: 'file', errors: ['empty'] }]);
  if (!stored.format) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `${fileName}: content is neither CSV nor XLSX`, {
      accepted: ['text/csv', 'xlsx'],
    });
  }
  return stored.format;
}

function duplicate(existingId: number): DomainError {
  return new DomainError('DUPLICATE', `The same file is already registered as ${existingId}`, {
    existing_file_id: existingId,
  });
}

async function sidecar(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(`${path}.meta.json`, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
