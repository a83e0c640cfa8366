import { factory } from '../../../../test/unit/factory';
import { CatalogRepository, Claimed, ClaimResult } from '../catalog/catalog.repository';
import { CLAIM_AHEAD, RunClaims } from './run-claims';

type ClaimWithNext = CatalogRepository['claimWithNext'];

/** A catalog whose claims take every file asked for except those in `refused` (the first of those: busy). */
function catalogClaiming(refused: number[] = []) {
  const calls: { fileId: number; next: number[]; maxBytes: number }[] = [];
  const claimed = (id: number): Claimed => ({ file: factory.catalogFile({ id }), resumed: false });
  const claimWithNext = jest.fn<ReturnType<ClaimWithNext>, Parameters<ClaimWithNext>>(
    (fileId, next, _taskId, _owner, _leaseMs, maxBytes) => {
      calls.push({ fileId, next, maxBytes });
      const claim: ClaimResult = refused.includes(fileId)
        ? { outcome: 'busy', holder: 'other' }
        : { outcome: 'claimed', ...claimed(fileId) };
      return Promise.resolve({ claim, next: next.filter((id) => !refused.includes(id)).map(claimed) });
    },
  );
  return { catalog: { claimWithNext } as unknown as CatalogRepository, calls };
}

const holder = { taskId: 'task-1', workerId: 'host:1', leaseMs: 60_000 };
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe(RunClaims.name, () => {
  it('claims a file with the ones after it, and hands those out at their turn without another claim', async () => {
    const { catalog, calls } = catalogClaiming();
    const order = range(1, 40);
    const onClaimed = jest.fn();
    const claims = new RunClaims(catalog, order, holder, onClaimed);

    for (const id of order) expect(await claims.take(id)).toMatchObject({ outcome: 'claimed', file: { id } });

    expect(calls.map((c) => [c.fileId, c.next.length])).toEqual([
      [1, CLAIM_AHEAD.files - 1],
      [17, CLAIM_AHEAD.files - 1],
      [33, 7],
    ]);
    expect(calls.every((c) => c.maxBytes === CLAIM_AHEAD.bytes)).toBe(true);
    expect(onClaimed.mock.calls.map(([id]) => id as number).sort((a, b) => a - b)).toEqual(order);
    expect(claims.unstarted()).toEqual([]);
  });

  it('claims a file left out of a group at its turn, with what follows and is not claimed yet', async () => {
    const { catalog, calls } = catalogClaiming([3]);
    const claims = new RunClaims(catalog, range(1, 6), holder, jest.fn());

    await claims.take(1);
    await claims.take(2);
    expect(await claims.take(3)).toEqual({ outcome: 'busy', holder: 'other' });

    expect(calls.map((c) => [c.fileId, c.next])).toEqual([
      [1, [2, 3, 4, 5, 6]],
      [3, []],
    ]);
    // Claimed ahead and never started: for the run to hand back when it stops here.
    expect(claims.unstarted()).toEqual([4, 5, 6]);
  });
});
