import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  customType,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { TEXT_ENCODINGS } from '@app/parsing';
import type { ColumnType } from '@app/parsing';

/** Binary column (Buffer in TypeScript). */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

export const ROLES = ['admin', 'premium', 'normal'] as const;
export type Role = (typeof ROLES)[number];

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ROLES }).notNull().default('normal'),
  disabled: boolean('disabled').notNull().default(false),
  ...timestamps,
});

/** One row per issued refresh token; `used_at` set on rotation, a second use revokes the family. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('refresh_tokens_family_idx').on(t.familyId), index('refresh_tokens_user_idx').on(t.userId)],
);

export const accounts = pgTable(
  'accounts',
  {
    id: serial('id').primaryKey(),
    platform: text('platform').notNull(),
    shopId: text('shop_id').notNull(),
    name: text('name').notNull(),
    region: text('region'),
    loginName: text('login_name'),
    enabled: boolean('enabled').notNull().default(true),
    ownerUserId: integer('owner_user_id').references(() => users.id, { onDelete: 'set null' }),
    notes: text('notes'),
    ...timestamps,
  },
  (t) => [uniqueIndex('accounts_platform_shop_uq').on(t.platform, t.shopId)],
);

export const componentVersions = pgTable(
  'component_versions',
  {
    id: serial('id').primaryKey(),
    platform: text('platform').notNull(),
    component: text('component').notNull(),
    version: text('version').notNull(),
    isStable: boolean('is_stable').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
    usageCount: integer('usage_count').notNull().default(0),
    successCount: integer('success_count').notNull().default(0),
    ...timestamps,
  },
  (t) => [uniqueIndex('component_versions_uq').on(t.platform, t.component, t.version)],
);

export const DATA_DOMAINS = ['orders', 'products', 'analytics', 'services', 'inventory'] as const;
export type DataDomain = (typeof DATA_DOMAINS)[number];
export const GRANULARITIES = ['daily', 'weekly', 'monthly', 'snapshot'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** Column typing a template may declare; values that do not parse are quarantined. */
export type { ColumnType };
export interface TemplateColumn {
  name: string;
  type: ColumnType;
}

export const templates = pgTable(
  'templates',
  {
    id: serial('id').primaryKey(),
    platform: text('platform').notNull(),
    dataDomain: text('data_domain', { enum: DATA_DOMAINS }).notNull(),
    subDomain: text('sub_domain').notNull().default(''),
    granularity: text('granularity', { enum: GRANULARITIES }).notNull(),
    /** 1-based row number of the header line. */
    headerRow: smallint('header_row').notNull().default(1),
    columns: jsonb('columns').$type<TemplateColumn[]>().notNull(),
    dedupFields: jsonb('dedup_fields').$type<string[]>().notNull(),
    /** Column whose value becomes fact_rows.metric_date, if any. */
    dateField: text('date_field'),
    published: boolean('published').notNull().default(true),
    ...timestamps,
  },
  (t) => [uniqueIndex('templates_uq').on(t.platform, t.dataDomain, t.subDomain, t.granularity)],
);

export const FILE_STATUSES = ['pending', 'queued', 'processing', 'ingested', 'partial', 'failed', 'skipped'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

export const catalogFiles = pgTable(
  'catalog_files',
  {
    id: serial('id').primaryKey(),
    path: text('path').notNull(),
    fileName: text('file_name').notNull(),
    platform: text('platform').notNull(),
    shopId: text('shop_id').notNull(),
    dataDomain: text('data_domain', { enum: DATA_DOMAINS }).notNull(),
    subDomain: text('sub_domain').notNull().default(''),
    granularity: text('granularity', { enum: GRANULARITIES }).notNull(),
    periodStart: date('period_start'),
    periodEnd: date('period_end'),
    sha256: text('sha256').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    status: text('status', { enum: FILE_STATUSES }).notNull().default('pending'),
    rowsTotal: integer('rows_total').notNull().default(0),
    rowsIngested: integer('rows_ingested').notNull().default(0),
    rowsDuplicate: integer('rows_duplicate').notNull().default(0),
    rowsQuarantined: integer('rows_quarantined').notNull().default(0),
    rowsInserted: integer('rows_inserted').notNull().default(0),
    rowsUpdated: integer('rows_updated').notNull().default(0),
    rowsUnchanged: integer('rows_unchanged').notNull().default(0),
    /** Last physical row committed by the current ingest; a redelivered job resumes after it. */
    checkpointRow: integer('checkpoint_row').notNull().default(0),
    /** Task that is ingesting (or last ingested) the file; a task may resume its own lease at once. */
    ingestTaskId: uuid('ingest_task_id'),
    lastError: text('last_error'),
    /** Lease of the worker processing the file; expired leases may be taken over. */
    leaseOwner: text('lease_owner'),
    format: text('format', { enum: ['csv', 'xlsx'] }).notNull(),
    /** CSV text encoding: declared with the upload (overrides detection), else the one detected when read. */
    textEncoding: text('text_encoding', { enum: TEXT_ENCODINGS }),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    registeredAt: timestamp('registered_at', { withTimezone: true }).notNull().defaultNow(),
    ingestedAt: timestamp('ingested_at', { withTimezone: true }),
    uploadedBy: integer('uploaded_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [
    uniqueIndex('catalog_files_sha256_uq').on(t.sha256),
    index('catalog_files_status_idx').on(t.status, t.platform, t.dataDomain),
  ],
);

export const TASK_STATUSES = ['queued', 'active', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface FileResult {
  file_id: number;
  file_name: string;
  status: FileStatus;
  rows_total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  error: string | null;
}

export interface TaskProgress {
  filesTotal: number;
  filesDone: number;
  rowsTotal: number;
  rowsDone: number;
  percent: number;
  currentFile: string | null;
}

export const syncTasks = pgTable(
  'sync_tasks',
  {
    id: uuid('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['single', 'batch'] }).notNull(),
    fileIds: jsonb('file_ids').$type<number[]>().notNull(),
    filter: jsonb('filter').$type<Record<string, unknown>>(),
    priority: smallint('priority').notNull().default(5),
    status: text('status', { enum: TASK_STATUSES }).notNull().default('queued'),
    progress: jsonb('progress').$type<TaskProgress>(),
    /** Per-file outcome of this task, keyed by file id. */
    results: jsonb('results').$type<Record<string, FileResult>>().notNull().default({}),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    errorCode: text('error_code'),
    idempotencyKey: text('idempotency_key'),
    enqueuedAt: timestamp('enqueued_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    retryOf: uuid('retry_of'),
  },
  (t) => [
    index('sync_tasks_user_idx').on(t.userId, t.createdAt),
    index('sync_tasks_status_idx').on(t.status),
    index('sync_tasks_outbox_idx')
      .on(t.createdAt)
      .where(sql`status = 'queued' AND enqueued_at IS NULL`),
    uniqueIndex('sync_tasks_idempotency_uq').on(t.userId, t.idempotencyKey),
  ],
);

/**
 * One row of an ingested export. `row_key` is the dedup identity: the first 16 bytes of
 * SHA-256 over the scope (platform, shop, domain, sub-domain, granularity) and the key fields'
 * hash (libs/sync-tasks rowKey; migration 0001 derives it the same way in SQL). It is the only
 * index on purpose: every index costs each ingested row a random B-tree insert.
 */
export const factRows = pgTable('fact_rows', {
  rowKey: bytea('row_key').primaryKey(),
  fileId: integer('file_id').notNull(),
  platform: text('platform').notNull(),
  shopId: text('shop_id').notNull(),
  dataDomain: text('data_domain').notNull(),
  subDomain: text('sub_domain').notNull().default(''),
  granularity: text('granularity').notNull(),
  metricDate: date('metric_date'),
  raw: jsonb('raw').$type<Record<string, string>>().notNull(),
  ingestedAt: timestamp('ingested_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const quarantinedRows = pgTable(
  'quarantined_rows',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    fileId: integer('file_id').notNull(),
    taskId: uuid('task_id'),
    rowNumber: integer('row_number').notNull(),
    reason: text('reason').notNull(),
    raw: jsonb('raw').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('quarantined_rows_file_idx').on(t.fileId)],
);
