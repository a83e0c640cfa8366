import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DomainError } from '@app/common';
import { DbHandle, InjectDb, Role, Tx } from '@app/db';
import { MetricsService } from '@app/observability';
import { QuotaRepository } from './quota.repository';
import { QuotaStore, ReserveResult } from './quota.store';

export interface QuotaOwner {
  id: number;
  role: Role;
}

export interface QuotaClaim {
  owner: QuotaOwner;
  taskId: string;
}

export interface QuotaUsage {
  queued: number;
  active: number;
  in_flight: number;
  limit: number;
  remaining: number;
}

/** Seconds a client is told to wait after a 429: tasks typically finish within this. */
const RETRY_AFTER_S = 30;
/** Reservations younger than this may belong to a submission still inserting its row. */
const RESERVATION_GRACE_MS = 30_000;

/**
 * Per-user quota of tasks in flight (queued + active). Reserve is atomic in Redis; while
 * Redis does not answer, a per-user advisory lock and a count in PostgreSQL decide instead.
 * Release is idempotent, and `reconcile` repairs Redis from sync_tasks, so no crash leaks a slot.
 */
@Injectable()
export class QuotaService {
  private readonly logger = new Logger(QuotaService.name);

  constructor(
    private readonly store: QuotaStore,
    private readonly repo: QuotaRepository,
    private readonly config: AppConfig,
    @InjectDb() private readonly handle: DbHandle,
    private readonly metrics: MetricsService,
  ) {}

  limitFor(role: Role): number {
    return this.config.limits.quota[role];
  }

  /** Runs `insert` only if the user has a free slot for `taskId`; 429 with the counts otherwise. */
  async admit<T>(owner: QuotaOwner, taskId: string, insert: (tx?: Tx) => Promise<T>): Promise<T> {
    const limit = this.limitFor(owner.role);
    let reserved: ReserveResult;
    try {
      reserved = await this.store.reserve(owner.id, taskId, limit);
    } catch (error) {
      this.logger.warn(`quota falls back to PostgreSQL (Redis: ${(error as Error).message})`);
      return this.admitInPostgres(owner, limit, insert);
    }
    if (!reserved.admitted) {
      this.metrics.quotaRefusals.inc({ role: owner.role });
      throw await this.exceeded(owner, limit, reserved.inFlight);
    }
    try {
      return await insert();
    } catch (error) {
      await this.release(owner.id, taskId);
      throw error;
    }
  }

  /**
   * Reserves a slot for each claim in one Redis round trip, decided in order (atomic per user):
   * `true` when admitted, the 429 error when refused. Undefined when Redis does not answer: the
   * caller then admits each claim with `admitWithoutRedis`.
   */
  async reserveMany(claims: QuotaClaim[]): Promise<(true | DomainError)[] | undefined> {
    let results: ReserveResult[];
    try {
      results = await this.store.reserveMany(
        claims.map(({ owner, taskId }) => ({ userId: owner.id, taskId, limit: this.limitFor(owner.role) })),
      );
    } catch (error) {
      this.logger.warn(`quota falls back to PostgreSQL (Redis: ${(error as Error).message})`);
      return undefined;
    }
    // One count per refused user for the 429 bodies, however many of their claims were refused.
    const refusals = new Map<number, Promise<DomainError>>();
    return Promise.all(
      results.map(async (result, i): Promise<true | DomainError> => {
        if (result.admitted) return true;
        const { owner } = claims[i];
        this.metrics.quotaRefusals.inc({ role: owner.role });
        let refusal = refusals.get(owner.id);
        if (!refusal) {
          refusal = this.exceeded(owner, this.limitFor(owner.role), result.inFlight);
          refusals.set(owner.id, refusal);
        }
        return refusal;
      }),
    );
  }

  /** The PostgreSQL decision (per-user advisory lock and a count) for when Redis does not answer. */
  admitWithoutRedis<T>(owner: QuotaOwner, insert: (tx: Tx) => Promise<T>): Promise<T> {
    return this.admitInPostgres(owner, this.limitFor(owner.role), insert);
  }

  async release(userId: number, taskId: string): Promise<void> {
    try {
      await this.store.release(userId, taskId);
    } catch (error) {
      // Redis down: reconciliation removes the id once the task is terminal in PostgreSQL.
      this.logger.warn(`quota release of ${taskId} deferred to reconciliation: ${(error as Error).message}`);
    }
  }

  async usage(owner: QuotaOwner): Promise<QuotaUsage> {
    const { queued, active } = await this.repo.counts(owner.id);
    const limit = this.limitFor(owner.role);
    const inFlight = queued + active;
    return { queued, active, in_flight: inFlight, limit, remaining: Math.max(0, limit - inFlight) };
  }

  /** Makes Redis agree with sync_tasks for every user with a quota set or tasks in flight. */
  async reconcile(): Promise<{ users: number; dropped: number; added: number }> {
    const users = [...new Set([...(await this.store.userIds()), ...(await this.repo.usersWithInFlight())])];
    const inFlight = new Map<number, Set<string>>(users.map((u) => [u, new Set<string>()]));
    for (const { userId, id } of await this.repo.inFlightIds(users)) inFlight.get(userId)?.add(id);
    let dropped = 0;
    let added = 0;
    for (const userId of users) {
      const live = inFlight.get(userId) ?? new Set<string>();
      const stale = (await this.store.settledIds(userId, RESERVATION_GRACE_MS)).filter((id) => !live.has(id));
      await this.store.drop(userId, stale);
      await this.store.ensureHeld(userId, [...live]);
      dropped += stale.length;
      added += live.size;
    }
    this.metrics.quotaSlotsDropped.inc(dropped);
    return { users: users.length, dropped, added };
  }

  /** Tasks accepted without Redis get their reservation once Redis is back. */
  async hold(userId: number, taskIds: string[]): Promise<void> {
    await this.store.ensureHeld(userId, taskIds);
  }

  private admitInPostgres<T>(owner: QuotaOwner, limit: number, insert: (tx: Tx) => Promise<T>): Promise<T> {
    return this.handle.db.transaction(async (tx) => {
      await this.repo.lockUser(tx, owner.id);
      const { queued, active } = await this.repo.counts(owner.id, tx);
      if (queued + active >= limit) {
        this.metrics.quotaRefusals.inc({ role: owner.role });
        throw exceededError({ queued, active, limit });
      }
      return insert(tx);
    });
  }

  /** Counts for the 429 body: Redis holds reservations whose rows may still be mid-insert. */
  private async exceeded(owner: QuotaOwner, limit: number, reserved: number): Promise<DomainError> {
    const { queued, active } = await this.repo.counts(owner.id);
    const inFlight = Math.max(reserved, queued + active);
    return exceededError({ queued: inFlight - active, active, limit });
  }
}

function exceededError({ queued, active, limit }: { queued: number; active: number; limit: number }): DomainError {
  const inFlight = queued + active;
  return new DomainError(
    'QUOTA_EXCEEDED',
    `Task quota reached: ${inFlight} of ${limit} tasks in flight; wait for one to finish or cancel one`,
    { queued, active, in_flight: inFlight, limit, remaining: Math.max(0, limit - inFlight) },
    RETRY_AFTER_S,
  );
}
