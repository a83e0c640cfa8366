export interface ConsumerState {
  concurrency: number;
  active: number;
  /** Jobs ready to run (waiting + prioritized); undefined when Redis did not answer. */
  ready: number | undefined;
  msSinceLastPickup: number;
  thresholdMs: number;
}

/**
 * A worker can stay up yet stop consuming after a Redis reconnect or failover. It is judged
 * dead only when it has a free slot, jobs are ready, and it has picked none up for a while.
 * Busy slots are covered by BullMQ's stall detection and the task time limit; Redis being
 * unreachable is a readiness matter, not a reason to restart the process.
 */
export function consumerVerdict(state: ConsumerState): { ok: boolean; reason: string } {
  if (state.ready === undefined) return { ok: true, reason: 'Redis unreachable: not judged' };
  if (state.active >= state.concurrency) return { ok: true, reason: 'all slots busy' };
  if (state.ready === 0) return { ok: true, reason: 'queue empty' };
  if (state.msSinceLastPickup < state.thresholdMs) return { ok: true, reason: 'consuming' };
  return {
    ok: false,
    reason: `${state.ready} jobs ready, a free slot, and none picked up for ${Math.round(state.msSinceLastPickup / 1000)} s`,
  };
}
