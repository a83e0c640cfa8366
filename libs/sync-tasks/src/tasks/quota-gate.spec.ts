import { DomainError } from '@app/common';
import { Tx } from '@app/db';
import { factory } from '../../../../test/unit/factory';
import { newTestService } from '../../../../test/unit/test-service';
import { QuotaGate } from './quota-gate';

describe(QuotaGate.name, () => {
  const tx = { transaction: 'open' } as unknown as Tx;

  function setup() {
    const { sut, mocks } = newTestService(QuotaGate);
    const [quota, tasks] = mocks;
    quota.release.mockResolvedValue(undefined);
    quota.admitInTransaction.mockResolvedValue(undefined);
    tasks.transaction.mockImplementation((work) => work(tx));
    return { sut, quota, tasks, owner: factory.owner(), taskId: factory.uuid() };
  }

  it('writes after Redis reserved the slot, outside any transaction', async () => {
    const { sut, quota, tasks, owner, taskId } = setup();
    quota.admit.mockResolvedValue([{ outcome: 'reserved' }]);
    const write = jest.fn().mockResolvedValue('row');
    await expect(sut.write(owner, taskId, write)).resolves.toBe('row');
    expect(quota.admit).toHaveBeenCalledWith([{ owner, taskId }]);
    expect(write).toHaveBeenCalledWith();
    expect(tasks.transaction).not.toHaveBeenCalled();
  });

  it('gives the reserved slot back when the write fails', async () => {
    const { sut, quota, owner, taskId } = setup();
    quota.admit.mockResolvedValue([{ outcome: 'reserved' }]);
    await expect(sut.write(owner, taskId, () => Promise.reject(new Error('insert failed')))).rejects.toThrow(
      'insert failed',
    );
    expect(quota.release).toHaveBeenCalledWith(owner.id, taskId);
  });

  it('throws the 429 of a refused claim without writing', async () => {
    const { sut, quota, owner, taskId } = setup();
    const refusal = new DomainError('QUOTA_EXCEEDED', 'full', {}, 30);
    quota.admit.mockResolvedValue([{ outcome: 'refused', error: refusal }]);
    const write = jest.fn();
    await expect(sut.write(owner, taskId, write)).rejects.toBe(refusal);
    expect(write).not.toHaveBeenCalled();
  });

  it('falls back to one PostgreSQL transaction holding the decision and the write when Redis does not answer', async () => {
    const { sut, quota, tasks, owner, taskId } = setup();
    quota.admit.mockResolvedValue([{ outcome: 'unchecked' }]);
    const write = jest.fn().mockResolvedValue('row');
    await expect(sut.write(owner, taskId, write)).resolves.toBe('row');
    expect(tasks.transaction).toHaveBeenCalledTimes(1);
    expect(quota.admitInTransaction).toHaveBeenCalledWith(tx, owner);
    expect(write).toHaveBeenCalledWith(tx);
    expect(quota.admitInTransaction.mock.invocationCallOrder[0]).toBeLessThan(write.mock.invocationCallOrder[0]);
  });

  it('does not write when the fallback finds the quota full', async () => {
    const { sut, quota, owner, taskId } = setup();
    quota.admit.mockResolvedValue([{ outcome: 'unchecked' }]);
    quota.admitInTransaction.mockRejectedValue(new DomainError('QUOTA_EXCEEDED', 'full', {}, 30));
    const write = jest.fn();
    await expect(sut.write(owner, taskId, write)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(write).not.toHaveBeenCalled();
  });
});
