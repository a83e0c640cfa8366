import { ApiProperty } from '@nestjs/swagger';
import { DATA_DOMAINS, FILE_STATUSES, GRANULARITIES } from '@app/db';
import { Page } from '@app/common';
import { TEXT_ENCODINGS } from '@app/parsing';
import { CatalogFile, ScanReport } from '@app/sync-tasks';

/**
 * A catalog file as every user sees it: what the file is and how its ingest went. The server's internals
 * (its path on disk, the ingest lease, the checkpoint) are in `CatalogFileStorageDto`, for admins only.
 * `sha256` is the content hash the catalog deduplicates by: a client may compare it before uploading.
 */
export class CatalogFileDto {
  @ApiProperty() id!: number;
  @ApiProperty({ description: 'name the file was uploaded or found under' }) file_name!: string;
  @ApiProperty({ example: 'shopee' }) platform!: string;
  @ApiProperty({ example: 'sg_1001' }) shop_id!: string;
  @ApiProperty({ enum: DATA_DOMAINS }) data_domain!: CatalogFile['dataDomain'];
  @ApiProperty({ description: "'' when the export has none" }) sub_domain!: string;
  @ApiProperty({ enum: GRANULARITIES }) granularity!: CatalogFile['granularity'];
  @ApiProperty({ type: String, format: 'date', nullable: true }) period_start!: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) period_end!: string | null;
  @ApiProperty({ enum: ['csv', 'xlsx'] }) format!: CatalogFile['format'];
  @ApiProperty() size_bytes!: number;
  @ApiProperty({ description: 'SHA-256 of the bytes, hex' }) sha256!: string;
  @ApiProperty({ enum: FILE_STATUSES }) status!: CatalogFile['status'];
  @ApiProperty({ description: 'rows read by the last ingest' }) rows_total!: number;
  @ApiProperty({ description: 'rows inserted or updated' }) rows_ingested!: number;
  @ApiProperty() rows_inserted!: number;
  @ApiProperty() rows_updated!: number;
  @ApiProperty({ description: 'rows already stored with the same content' }) rows_unchanged!: number;
  @ApiProperty({ description: 'rows read but not written as new or changed facts' }) rows_duplicate!: number;
  @ApiProperty({ description: 'rows set aside with a reason' }) rows_quarantined!: number;
  @ApiProperty({
    enum: TEXT_ENCODINGS,
    nullable: true,
    description:
      'CSV text encoding: declared at upload, or the one detected at ingest; null for XLSX or before an ingest',
  })
  text_encoding!: CatalogFile['textEncoding'];
  @ApiProperty({ type: String, nullable: true }) last_error!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) registered_at!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) ingested_at!: Date | null;
}

export class CatalogFilePageDto implements Page<CatalogFileDto> {
  @ApiProperty({ type: [CatalogFileDto] }) items!: CatalogFileDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() page_size!: number;
}

/** Where the server keeps a file and who is ingesting it: for admins diagnosing an ingest. */
export class CatalogFileStorageDto {
  @ApiProperty() id!: number;
  @ApiProperty({ description: "absolute path on the server's disk" }) path!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'user who uploaded it; null when scanned' })
  uploaded_by!: number | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'task ingesting it, or that last did' })
  ingest_task_id!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'worker holding the ingest lease' })
  lease_owner!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lease_expires_at!: Date | null;
  @ApiProperty({ description: 'last physical row committed by the current ingest' }) checkpoint_row!: number;
}

export class ScannedFileDto {
  @ApiProperty() id!: number;
  @ApiProperty() path!: string;
}

export class ScanDuplicateDto {
  @ApiProperty() path!: string;
  @ApiProperty() existing_file_id!: number;
}

export class ScanSkippedDto {
  @ApiProperty() path!: string;
  @ApiProperty() reason!: string;
}

/** An admin's scan of a directory inside SCAN_ROOTS: `directory` is the resolved real path. */
export class ScanReportDto implements ScanReport {
  @ApiProperty() directory!: string;
  @ApiProperty({ type: [ScannedFileDto] }) registered!: ScannedFileDto[];
  @ApiProperty({ type: [ScanDuplicateDto] }) duplicates!: ScanDuplicateDto[];
  @ApiProperty({
    type: [ScanSkippedDto],
    description: 'files not registered and why (bad name or metadata, symlinks leaving SCAN_ROOTS, broken links)',
  })
  skipped!: ScanSkippedDto[];
  @ApiProperty({ description: 'the walk stopped at SCAN_MAX_FILES entries; scan the sub-directories one by one' })
  truncated!: boolean;
}

/** The one mapping from a catalog row to what users see. */
export function toCatalogFileDto(f: CatalogFile): CatalogFileDto {
  return {
    id: f.id,
    file_name: f.fileName,
    platform: f.platform,
    shop_id: f.shopId,
    data_domain: f.dataDomain,
    sub_domain: f.subDomain,
    granularity: f.granularity,
    period_start: f.periodStart,
    period_end: f.periodEnd,
    format: f.format,
    size_bytes: f.sizeBytes,
    sha256: f.sha256,
    status: f.status,
    rows_total: f.rowsTotal,
    rows_ingested: f.rowsIngested,
    rows_inserted: f.rowsInserted,
    rows_updated: f.rowsUpdated,
    rows_unchanged: f.rowsUnchanged,
    rows_duplicate: f.rowsDuplicate,
    rows_quarantined: f.rowsQuarantined,
    text_encoding: f.textEncoding,
    last_error: f.lastError,
    registered_at: f.registeredAt,
    ingested_at: f.ingestedAt,
  };
}

export function toCatalogFilePage(page: Page<CatalogFile>): CatalogFilePageDto {
  return { ...page, items: page.items.map(toCatalogFileDto) };
}

export function toCatalogFileStorageDto(f: CatalogFile): CatalogFileStorageDto {
  return {
    id: f.id,
    path: f.path,
    uploaded_by: f.uploadedBy,
    ingest_task_id: f.ingestTaskId,
    lease_owner: f.leaseOwner,
    lease_expires_at: f.leaseExpiresAt,
    checkpoint_row: f.checkpointRow,
  };
}
