import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { AppConfig, loadConfig } from '@app/config';
import { FileResult } from '@app/db';
import { QuotaOwner } from '@app/quota';
import { CatalogFile, Submission, SyncJob, SyncTask } from '@app/sync-tasks';

let seq = 0;
const next = () => ++seq;

/** Test data for unit specs: complete rows with sensible defaults, overridden per test. */
export const factory = {
  uuid: (): string => randomUUID(),

  owner: (over: Partial<QuotaOwner> = {}): QuotaOwner => ({ id: next(), role: 'normal', ...over }),

  submission: (over: Partial<Submission> = {}): Submission => ({ owner: factory.owner(), ...over }),

  task: (over: Partial<SyncTask> = {}): SyncTask => ({
    id: randomUUID(),
    userId: 1,
    kind: 'single',
    fileIds: [next()],
    filter: null,
    priority: 5,
    status: 'queued',
    progress: null,
    results: {},
    attempts: 0,
    error: null,
    errorCode: null,
    idempotencyKey: null,
    enqueuedAt: new Date('2026-12-01T10:00:00Z'),
    createdAt: new Date('2026-12-01T10:00:00Z'),
    startedAt: null,
    finishedAt: null,
    retryOf: null,
    ...over,
  }),

  catalogFile: (over: Partial<CatalogFile> = {}): CatalogFile => {
    const id = over.id ?? next();
    return {
      id,
      path: `/data/files/${id}.csv`,
      fileName: `shopee__sg_1001__orders__all__daily__${id}.csv`,
      platform: 'shopee',
      shopId: 'sg_1001',
      dataDomain: 'orders',
      subDomain: '',
      granularity: 'daily',
      periodStart: '2026-11-01',
      periodEnd: '2026-11-01',
      sha256: id.toString(16).padStart(64, '0'),
      sizeBytes: 1_000,
      status: 'pending',
      rowsTotal: 0,
      rowsIngested: 0,
      rowsDuplicate: 0,
      rowsQuarantined: 0,
      rowsInserted: 0,
      rowsUpdated: 0,
      rowsUnchanged: 0,
      checkpointRow: 0,
      ingestTaskId: null,
      lastError: null,
      leaseOwner: null,
      format: 'csv',
      textEncoding: null,
      leaseExpiresAt: null,
      registeredAt: new Date('2026-12-01T09:00:00Z'),
      ingestedAt: null,
      uploadedBy: null,
      ...over,
    };
  },

  fileResult: (over: Partial<FileResult> = {}): FileResult => ({
    file_id: next(),
    file_name: 'a.csv',
    status: 'ingested',
    rows_total: 10,
    inserted: 10,
    updated: 0,
    unchanged: 0,
    quarantined: 0,
    error: null,
    ...over,
  }),

  /** A validated configuration from explicit variables (never the environment). */
  config: (env: Record<string, string> = {}): AppConfig =>
    loadConfig('worker', {
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://unit@127.0.0.1:1/unit',
      JWT_SECRET: 'unit-tests-only-secret-of-32-bytes!!',
      DATA_DIR: '/tmp/ds-unit',
      ...env,
    }),

  /** The parts of a BullMQ job the sync worker touches. */
  job: (over: { taskId?: string; attemptsMade?: number; attempts?: number; name?: string } = {}) => {
    const job = {
      name: over.name ?? SyncJob.RunTask,
      data: { taskId: over.taskId ?? randomUUID() },
      attemptsMade: over.attemptsMade ?? 0,
      opts: { attempts: over.attempts ?? 5 },
      updateProgress: jest.fn(() => Promise.resolve()),
      moveToDelayed: jest.fn(() => Promise.resolve()),
    };
    return job as typeof job & Job;
  },
};
