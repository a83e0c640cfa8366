import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { withTimeout } from '@app/common';

/** Work done at scrape time to refresh gauges (queue depth, outbox, dependencies). */
export type MetricsCollector = () => Promise<void>;

const COLLECT_TIMEOUT_MS = 1_500;

/**
 * Every metric this service exports, in one place: the alert rules (deploy/prometheus) and the docs
 * name them, and a test checks each name an alert uses is really exported. One registry per process
 * (not prom-client's global one), so the single-process entry serves API and worker metrics together
 * and tests can run several apps in one Jest process.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  readonly registry = new Registry();
  private readonly collectors = new Map<string, MetricsCollector>();

  // ---- HTTP (API and worker health/metrics ports)
  readonly httpDuration = new Histogram({
    name: 'datasync_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  // ---- queue and outbox (refreshed at scrape time)
  readonly queueJobs = new Gauge({
    name: 'datasync_queue_jobs',
    help: 'Jobs in the sync queue by BullMQ state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly outboxPending = new Gauge({
    name: 'datasync_outbox_pending_tasks',
    help: 'Accepted tasks not yet enqueued in Redis (the outbox relay enqueues them)',
    registers: [this.registry],
  });
  readonly outboxOldestSeconds = new Gauge({
    name: 'datasync_outbox_oldest_pending_seconds',
    help: 'Age of the oldest accepted task not yet enqueued (0 when none)',
    registers: [this.registry],
  });
  readonly dependencyUp = new Gauge({
    name: 'datasync_dependency_up',
    help: '1 when the dependency answered a ping during the scrape',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  // ---- worker
  readonly tasksRunning = new Gauge({
    name: 'datasync_tasks_running',
    help: 'Tasks this worker process is running now',
    registers: [this.registry],
  });
  readonly tasksFinished = new Counter({
    name: 'datasync_tasks_finished_total',
    help: 'Task runs by outcome: completed, failed, cancelled, retrying (transient error), handed_back',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly taskDuration = new Histogram({
    name: 'datasync_task_duration_seconds',
    help: 'Wall time of one task run (one attempt) by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.5, 1, 5, 15, 60, 300, 900, 1800, 3600],
    registers: [this.registry],
  });
  readonly filesIngested = new Counter({
    name: 'datasync_ingest_files_total',
    help: 'Files finished by the worker by result status: ingested, partial, failed',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly rowsIngested = new Counter({
    name: 'datasync_ingest_rows_total',
    help: 'Rows committed by the worker by result: inserted, updated, unchanged, quarantined',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  // ---- quota
  readonly quotaSlotsDropped = new Counter({
    name: 'datasync_quota_stale_slots_dropped_total',
    help: 'Quota slots the reconciler released because their task was no longer in flight (a leak repaired)',
    registers: [this.registry],
  });

  // ---- cache (libs/cache)
  readonly cacheRequests = new Counter({
    name: 'datasync_cache_requests_total',
    help: 'Cached reads by type and result: hit, miss (loaded or joined a load), error (Redis failed; read from PostgreSQL)',
    labelNames: ['type', 'result'] as const,
    registers: [this.registry],
  });
  readonly cacheLocalHits = new Counter({
    name: 'datasync_cache_local_hits_total',
    help: 'Cache hits answered from this process\'s in-memory tier, by type (also counted as result="hit" above)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly cacheLoadDuration = new Histogram({
    name: 'datasync_cache_load_duration_seconds',
    help: 'Time to compute one cache entry from PostgreSQL, by type',
    labelNames: ['type'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly cacheInvalidations = new Counter({
    name: 'datasync_cache_invalidations_total',
    help: 'Cache invalidations (generation bumps) issued by this process, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  // ---- refusals (429s by cause; the HTTP histogram cannot tell a rate limit from a quota)
  readonly rateLimitRefusals = new Counter({
    name: 'datasync_rate_limit_refusals_total',
    help: 'Requests refused by the app rate limiter, by endpoint class and caller tier',
    labelNames: ['class', 'tier'] as const,
    registers: [this.registry],
  });
  readonly quotaRefusals = new Counter({
    name: 'datasync_quota_refusals_total',
    help: 'Task submissions refused because the user had no free in-flight quota slot, by role',
    labelNames: ['role'] as const,
    registers: [this.registry],
  });

  // ---- runtime settings and storage (refreshed at scrape time)
  readonly redisEvictionPolicyOk = new Gauge({
    name: 'datasync_redis_eviction_policy_ok',
    help: "1 when Redis' maxmemory-policy is noeviction (BullMQ needs it), 0 otherwise; policy label names it",
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });
  readonly dataDirFreeBytes = new Gauge({
    name: 'datasync_data_dir_free_bytes',
    help: 'Bytes available to the service on the file system holding DATA_DIR (uploads)',
    registers: [this.registry],
  });
  readonly dataDirSizeBytes = new Gauge({
    name: 'datasync_data_dir_size_bytes',
    help: 'Size of the file system holding DATA_DIR',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Registers (or replaces) a scrape-time collector; each runs with a time bound, failures logged. */
  addCollector(name: string, collect: MetricsCollector): void {
    this.collectors.set(name, collect);
  }

  /** The exposition text after every collector ran (or timed out). */
  async scrape(): Promise<string> {
    await Promise.all([...this.collectors].map(([name, collect]) => this.runCollector(name, collect)));
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async runCollector(name: string, collect: MetricsCollector): Promise<void> {
    try {
      await withTimeout(collect(), COLLECT_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn(`metrics collector ${name} failed: ${(error as Error).message}`);
    }
  }
}
