import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DomainError } from '@app/common';
import { Role, Tx } from '@app/db';
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

/** A claim's admission: see `QuotaService.admit`. */
export type Admission = { outcome: 'reserved' } | { outcome: 'refused'; error: DomainError } | { outcome: 'unchecked' };

export interface QuotaUsage {
  queued: number;
  active: number;
  in_flight: number;
  limit: number;
  remaining: number;
}

/** Seconds a client is told to wait after a 429: tasks typically finish within this. */
const RETRY_AFTER_S = 30;
/** A release that fails is tried this many times, this far apart, before reconciliation is left to do it. */
const RELEASE_ATTEMPTS = 3;
const RELEASE_RETRY_MS = 250;
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
    private readonly metrics: MetricsService,
  ) {}

  limitFor(role: Role): number {
    return this.config.limits.quota[role];
  }

  /**
   * The one admission: reserves a slot for each claim in one Redis round trip, decided in order (atomic per
   * user). Per claim: `reserved` (insert the task; release the slot if that fails), `refused` with the 429, or
   * — when Redis does not answer — `unchecked`: the caller decides it in PostgreSQL instead, calling
   * `admitInTransaction` inside the transaction that inserts the task.
   */
  async admit(claims: QuotaClaim[]): Promise<Admission[]> {
    let results: ReserveResult[];
    try {
      results = await this.store.reserveMany(
        claims.map(({ owner, taskId }) => ({ userId: owner.id, taskId, limit: this.limitFor(owner.role) })),
      );
    } catch (error) {
      this.logger.warn(`quota falls back to PostgreSQL (Redis: ${(error as Error).message})`);
      return claims.map(() => ({ outcome: 'unchecked' }));
    }
    // One count per refused user for the 429 bodies, however many of their claims were refused.
    const refusals = new Map<number, Promise<DomainError>>();
    return Promise.all(
      results.map(async (result, i): Promise<Admission> => {
        if (result.admitted) return { outcome: 'reserved' };
        const { owner } = claims[i];
        this.metrics.quotaRefusals.inc({ role: owner.role });
        let refusal = refusals.get(owner.id);
        if (!refusal) {
          refusal = this.exceeded(owner, this.limitFor(owner.role), result.inFlight);
          refusals.set(owner.id, refusal);
        }
        return { outcome: 'refused', error: await refusal };
      }),
    );
  }

  /**
   * The PostgreSQL decision while Redis does not answer, inside the caller's transaction that then inserts
   * the task: a per-user advisory lock (held until that transaction ends) and a count; 429 when full.
   */
  async admitInTransaction(tx: Tx, owner: QuotaOwner): Promise<void> {
    await this.repo.lockUser(tx, owner.id);
    const { queued, active } = await this.repo.counts(owner.id, tx);
    const limit = this.limitFor(owner.role);
    if (queued + active >= limit) {
      this.metrics.quotaRefusals.inc({ role: owner.role });
      throw exceededError({ queued, active, limit });
    }
  }

  async release(userId: number, taskId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.release(userId, taskId);
        return;
      } catch (error) {
        // A command timed out under load: try again, or else the slot stays taken until the next reconciliation.
        if (attempt < RELEASE_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, RELEASE_RETRY_MS));
          continue;
        }
        // Redis down: reconciliation removes the id once the task is terminal in PostgreSQL.
        this.logger.warn(`quota release of ${taskId} deferred to reconciliation: ${(error as Error).message}`);
        return;
      }
    }
  }

  async usage(owner: QuotaOwner): Promise<QuotaUsage> {
    const { queued, active } = await this.repo.counts(owner.id);
    const limit = this.limitFor(owner.role);
    const inFlight = queued + active;
    return { queued, active, in_flight: inFlight, limit, remaining: Math.max(0, limit - inFlight) };
  }

  /**
   * Makes Redis agree with sync_tasks for every user with a quota set or tasks in flight. A reservation without
   * a task row is dropped once older than `graceMs` (its row may still be mid-insert before that).
   */
  async reconcile(graceMs = RESERVATION_GRACE_MS): Promise<{ users: number; dropped: number; added: number }> {
    const users = [...new Set([...(await this.store.userIds()), ...(await this.repo.usersWithInFlight())])];
    const inFlight = new Map<number, Set<string>>(users.map((u) => [u, new Set<string>()]));
    for (const { userId, id } of await this.repo.inFlightIds(users)) inFlight.get(userId)?.add(id);
    let dropped = 0;
    let added = 0;
    for (const userId of users) {
      const live = inFlight.get(userId) ?? new Set<string>();
      const stale = (await this.store.settledIds(userId, graceMs)).filter((id) => !live.has(id));
      await this.store.drop(userId, stale);
      await this.store.ensureHeld(userId, [...live]);
      dropped += stale.length;
      added += live.size;
    }
    // A task that ended after the read above may have been released before ensureHeld put its slot back, which
    // would then stay until a later pass (the grace): read again and drop what is no longer in flight.
    const heldUsers = users.filter((u) => inFlight.get(u)?.size);
    if (heldUsers.length) {
      const still = new Set((await this.repo.inFlightIds(heldUsers)).map(({ id }) => id));
      for (const userId of heldUsers) {
        const ended = [...(inFlight.get(userId) ?? [])].filter((id) => !still.has(id));
        await this.store.drop(userId, ended);
        dropped += ended.length;
        added -= ended.length;
      }
    }
    this.metrics.quotaSlotsDropped.inc(dropped);
    return { users: users.length, dropped, added };
  }

  /** Tasks accepted without Redis get their reservation once Redis is back. */
  async hold(userId: number, taskIds: string[]): Promise<void> {
    await this.store.ensureHeld(userId, taskIds);
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
