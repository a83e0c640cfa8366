import { settlesWithin, withTimeout } from './timeouts';

const never = new Promise<never>(() => undefined);

describe('withTimeout', () => {
  it('returns the result of work that answers in time', async () => {
    await expect(withTimeout(Promise.resolve(42), 1_000)).resolves.toBe(42);
  });

  it('passes the rejection of work that fails in time', async () => {
    await expect(withTimeout(Promise.reject(new Error('down')), 1_000)).rejects.toThrow('down');
  });

  it('rejects with the message once the time is up', async () => {
    await expect(withTimeout(never, 20, 'Redis did not answer')).rejects.toThrow('Redis did not answer');
    await expect(withTimeout(never, 20)).rejects.toThrow('no answer within 20 ms');
  });
});

describe('settlesWithin', () => {
  it('is true for work that resolves or rejects in time, false for work still pending', async () => {
    await expect(settlesWithin(Promise.resolve('x'), 1_000)).resolves.toBe(true);
    await expect(settlesWithin(Promise.reject(new Error('x')), 1_000)).resolves.toBe(true);
    await expect(settlesWithin(never, 20)).resolves.toBe(false);
  });
});
