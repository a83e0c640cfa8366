import { consumerVerdict } from './consumer-liveness';

const base = { concurrency: 4, active: 0, ready: 3, msSinceLastPickup: 0, thresholdMs: 120_000 };

describe(consumerVerdict.name, () => {
  it('is dead when jobs are ready, a slot is free and nothing was picked up past the threshold', () => {
    expect(consumerVerdict({ ...base, msSinceLastPickup: 121_000 })).toEqual({
      ok: false,
      reason: expect.stringContaining('3 jobs ready'),
    });
  });

  it.each([
    ['it picked a job up recently', { msSinceLastPickup: 5_000 }],
    ['the queue is empty', { ready: 0, msSinceLastPickup: 10_000_000 }],
    ['every slot is busy', { active: 4, msSinceLastPickup: 10_000_000 }],
    ['Redis does not answer (a readiness matter)', { ready: undefined, msSinceLastPickup: 10_000_000 }],
  ])('is alive when %s', (_case, state) => {
    expect(consumerVerdict({ ...base, ...state }).ok).toBe(true);
  });
});
