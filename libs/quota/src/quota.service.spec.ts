import { MetricsService } from '@app/observability';
import { Tx } from '@app/db';
import { factory } from '../../../test/unit/factory';
import { newTestService } from '../../../test/unit/test-service';
import { QuotaService } from './quota.service';

describe(QuotaService.name, () => {
  const tx = {} as Tx;

  function setup() {
    // Limits per role: normal 2, premium 3, admin 5.
    const config = factory.config({ QUOTA_NORMAL: '2', QUOTA_PREMIUM: '3', QUOTA_ADMIN: '5' });
    const metrics = new MetricsService();
    const { sut, mocks } = newTestService(QuotaService, { 2: config, 3: metrics });
    const [store, repo] = mocks;
    const refusals = async (role: string) =>
      (await metrics.quotaRefusals.get()).values.find((v) => v.labels.role === role)?.value ?? 0;
    return { sut, store, repo, refusals };
  }

  describe('admit', () => {
    it("reserves each claim against its owner's role limit in one round trip", async () => {
      const { sut, store } = setup();
      const alice = factory.owner({ role: 'normal' });
      const bob = factory.owner({ role: 'premium' });
      store.reserveMany.mockResolvedValue([
        { admitted: true, inFlight: 1 },
        { admitted: true, inFlight: 1 },
      ]);
      const admissions = await sut.admit([
        { owner: alice, taskId: 't1' },
        { owner: bob, taskId: 't2' },
      ]);
      expect(admissions).toEqual([{ outcome: 'reserved' }, { outcome: 'reserved' }]);
      expect(store.reserveMany).toHaveBeenCalledTimes(1);
      expect(store.reserveMany).toHaveBeenCalledWith([
        { userId: alice.id, taskId: 't1', limit: 2 },
        { userId: bob.id, taskId: 't2', limit: 3 },
      ]);
    });

    it('refuses a claim over the limit with a 429 carrying the counts, counting once per refused user', async () => {
      const { sut, store, repo, refusals } = setup();
      const alice = factory.owner();
      store.reserveMany.mockResolvedValue([
        { admitted: true, inFlight: 2 },
        { admitted: false, inFlight: 2 },
        { admitted: false, inFlight: 2 },
      ]);
      repo.counts.mockResolvedValue({ queued: 1, active: 0 }); // one reservation's row is still being inserted
      const [first, second, third] = await sut.admit(['a', 'b', 'c'].map((taskId) => ({ owner: alice, taskId })));
      expect(first).toEqual({ outcome: 'reserved' });
      for (const refused of [second, third]) {
        expect(refused).toMatchObject({
          outcome: 'refused',
          error: {
            code: 'QUOTA_EXCEEDED',
            retryAfter: 30,
            details: { queued: 2, active: 0, in_flight: 2, limit: 2, remaining: 0 },
          },
        });
      }
      expect(repo.counts).toHaveBeenCalledTimes(1);
      expect(await refusals(alice.role)).toBe(2); // the metric counts refused claims
    });

    it('answers every claim unchecked when Redis does not answer, so PostgreSQL decides', async () => {
      const { sut, store } = setup();
      store.reserveMany.mockRejectedValue(new Error('Connection is closed.'));
      const owner = factory.owner();
      await expect(
        sut.admit([
          { owner, taskId: 'a' },
          { owner, taskId: 'b' },
        ]),
      ).resolves.toEqual([{ outcome: 'unchecked' }, { outcome: 'unchecked' }]);
    });
  });

  describe('admitInTransaction (the fallback)', () => {
    it("admits below the limit, holding the user's lock in the caller's transaction", async () => {
      const { sut, repo } = setup();
      const owner = factory.owner({ role: 'premium' });
      repo.lockUser.mockResolvedValue(undefined);
      repo.counts.mockResolvedValue({ queued: 1, active: 1 });
      await expect(sut.admitInTransaction(tx, owner)).resolves.toBeUndefined();
      expect(repo.lockUser).toHaveBeenCalledWith(tx, owner.id);
      expect(repo.counts).toHaveBeenCalledWith(owner.id, tx);
    });

    it('refuses at the limit with the same 429 body', async () => {
      const { sut, repo, refusals } = setup();
      repo.lockUser.mockResolvedValue(undefined);
      repo.counts.mockResolvedValue({ queued: 1, active: 1 });
      await expect(sut.admitInTransaction(tx, factory.owner({ role: 'normal' }))).rejects.toMatchObject({
        code: 'QUOTA_EXCEEDED',
        details: { queued: 1, active: 1, in_flight: 2, limit: 2, remaining: 0 },
      });
      expect(await refusals('normal')).toBe(1);
    });
  });

  it('defers a release to reconciliation when Redis does not answer', async () => {
    const { sut, store } = setup();
    store.release.mockRejectedValue(new Error('Connection is closed.'));
    await expect(sut.release(1, 't1')).resolves.toBeUndefined();
  });

  it('reports usage from PostgreSQL, the truth', async () => {
    const { sut, repo } = setup();
    repo.counts.mockResolvedValue({ queued: 2, active: 1 });
    await expect(sut.usage(factory.owner({ role: 'admin' }))).resolves.toEqual({
      queued: 2,
      active: 1,
      in_flight: 3,
      limit: 5,
      remaining: 2,
    });
  });

  describe('reconcile', () => {
    it('drops a reservation with no task once past the grace, and holds every task in flight', async () => {
      const { sut, store, repo } = setup();
      store.userIds.mockResolvedValue([1]);
      repo.usersWithInFlight.mockResolvedValue([1, 2]);
      repo.inFlightIds.mockResolvedValue([
        { userId: 1, id: 'live-1' },
        { userId: 2, id: 'live-2' },
      ]);
      store.settledIds.mockImplementation((userId: number) =>
        Promise.resolve(userId === 1 ? ['live-1', 'orphan'] : []),
      );
      store.drop.mockResolvedValue(undefined);
      store.ensureHeld.mockResolvedValue(undefined);
      await expect(sut.reconcile(30_000)).resolves.toEqual({ users: 2, dropped: 1, added: 2 });
      expect(store.settledIds).toHaveBeenCalledWith(1, 30_000);
      expect(store.drop).toHaveBeenCalledWith(1, ['orphan']);
      expect(store.ensureHeld).toHaveBeenCalledWith(1, ['live-1']);
      expect(store.ensureHeld).toHaveBeenCalledWith(2, ['live-2']);
    });

    it('takes back a slot it put back for a task that ended (and was released) while it ran', async () => {
      const { sut, store, repo } = setup();
      store.userIds.mockResolvedValue([1]);
      repo.usersWithInFlight.mockResolvedValue([1]);
      // In flight when read; completed and released before ensureHeld re-added it.
      repo.inFlightIds.mockResolvedValueOnce([
        { userId: 1, id: 'ends' },
        { userId: 1, id: 'runs' },
      ]);
      repo.inFlightIds.mockResolvedValueOnce([{ userId: 1, id: 'runs' }]);
      store.settledIds.mockResolvedValue([]);
      store.drop.mockResolvedValue(undefined);
      store.ensureHeld.mockResolvedValue(undefined);
      await expect(sut.reconcile()).resolves.toEqual({ users: 1, dropped: 1, added: 1 });
      expect(store.ensureHeld).toHaveBeenCalledWith(1, ['ends', 'runs']);
      expect(store.drop).toHaveBeenLastCalledWith(1, ['ends']);
      const ensured = store.ensureHeld.mock.invocationCallOrder[0];
      expect(store.drop.mock.invocationCallOrder.at(-1)).toBeGreaterThan(ensured);
    });
  });
});
