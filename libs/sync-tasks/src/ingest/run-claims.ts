import { CatalogRepository, Claimed, ClaimResult } from '../catalog/catalog.repository';

/**
 * How far a claim reaches ahead: files claimed before their turn hold a lease they do not renew, so the
 * group is kept to what a worker reads in seconds, well inside a lease (2 × WORKER_LOCK_MS).
 */
export const CLAIM_AHEAD = { files: 16, bytes: 8 * 1024 * 1024 };

/**
 * A task run's file claims. A file's claim also takes the files after it in the run's order (up to
 * CLAIM_AHEAD), in the same transaction, so a batch of small files pays one claim per group, not per file.
 * Files claimed ahead are the run's like any other (a cancel hands them back); those whose turn never came are
 * listed by `unstarted`, for the run to hand back when it stops early.
 */
export class RunClaims {
  private readonly ahead = new Map<number, Claimed>();

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly order: number[],
    private readonly holder: { taskId: string; workerId: string; leaseMs: number },
    private readonly onClaimed: (fileId: number) => void,
  ) {}

  /** The file's claim: taken ahead already, or claimed now with the files that follow it. */
  async take(fileId: number): Promise<ClaimResult> {
    const ready = this.ahead.get(fileId);
    if (ready) {
      this.ahead.delete(fileId);
      return { outcome: 'claimed', ...ready };
    }
    const at = this.order.indexOf(fileId);
    const next = at < 0 ? [] : this.order.slice(at + 1, at + CLAIM_AHEAD.files).filter((id) => !this.ahead.has(id));
    const { taskId, workerId, leaseMs } = this.holder;
    const { claim, next: claimed } = await this.catalog.claimWithNext(
      fileId,
      next,
      taskId,
      workerId,
      leaseMs,
      CLAIM_AHEAD.bytes,
    );
    if (claim.outcome === 'claimed') this.onClaimed(fileId);
    for (const c of claimed) {
      this.ahead.set(c.file.id, c);
      this.onClaimed(c.file.id);
    }
    return claim;
  }

  /** Files claimed ahead whose turn has not come. */
  unstarted(): number[] {
    return [...this.ahead.keys()];
  }
}
