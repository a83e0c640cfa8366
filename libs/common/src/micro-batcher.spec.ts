import { MicroBatcher, Settled, settledError, settledOk } from './micro-batcher';

/** A handler that records its batches and answers each item with `answer(item)`, released on demand. */
function recorder(answer: (n: number) => Settled<string> = (n) => settledOk(`#${n}`)) {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  let gated = false;
  const handle = async (items: number[]) => {
    batches.push(items);
    if (gated) await new Promise<void>((resolve) => gates.push(resolve));
    return items.map(answer);
  };
  return {
    batches,
    handle,
    gate: () => (gated = true),
    releaseAll: () => {
      gated = false;
      gates.splice(0).forEach((open) => open());
    },
  };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe(MicroBatcher.name, () => {
  it('handles calls made in the same event-loop turn as one batch, answering each in order', async () => {
    const r = recorder();
    const batcher = new MicroBatcher<number, string>({ handle: r.handle });
    const answers = await Promise.all([1, 2, 3].map((n) => batcher.add(n)));
    expect(answers).toEqual(['#1', '#2', '#3']);
    expect(r.batches).toEqual([[1, 2, 3]]);
  });

  it('gives each item its own error without failing the others', async () => {
    const r = recorder((n) => (n % 2 ? settledOk(`#${n}`) : settledError(new Error(`bad ${n}`))));
    const batcher = new MicroBatcher<number, string>({ handle: r.handle });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.add(n)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      '#1',
      'bad 2',
      '#3',
      'bad 4',
    ]);
  });

  it('fails every item of a batch whose handler throws, and goes on with the next batch', async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number, number>({
      handle: (items) => {
        calls++;
        return calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve(items.map((n) => settledOk(n)));
      },
    });
    const first = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(first.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.add(3)).resolves.toBe(3);
  });

  it('rejects every item when the handler answers the wrong number of outcomes', async () => {
    const batcher = new MicroBatcher<number, number>({ handle: () => Promise.resolve([settledOk(1)]) });
    const outcomes = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it('flushes at once when maxBatch items are pending, without waiting for the tick', async () => {
    const r = recorder();
    const batcher = new MicroBatcher<number, string>({ handle: r.handle, maxBatch: 2, maxInFlight: 5 });
    const pending = [1, 2, 3].map((n) => batcher.add(n));
    expect(r.batches).toEqual([[1, 2]]); // synchronously, before any tick
    await Promise.all(pending);
    expect(r.batches).toEqual([[1, 2], [3]]);
  });

  it('holds new items while maxInFlight batches run, then handles them together in one batch', async () => {
    const r = recorder();
    r.gate();
    const batcher = new MicroBatcher<number, string>({ handle: r.handle, maxInFlight: 1 });
    const first = batcher.add(1);
    await tick();
    expect(r.batches).toEqual([[1]]);
    const later = [2, 3, 4].map((n) => batcher.add(n));
    await tick();
    await tick();
    expect(r.batches).toHaveLength(1); // still waiting for the first batch
    expect(batcher.waiting).toBe(3);
    r.releaseAll();
    await first;
    r.releaseAll();
    await Promise.all(later);
    expect(r.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('never puts more than maxBatch items in one batch when many wait', async () => {
    const r = recorder();
    r.gate();
    const batcher = new MicroBatcher<number, string>({ handle: r.handle, maxBatch: 3, maxInFlight: 1 });
    const all = Array.from({ length: 8 }, (_, n) => batcher.add(n));
    await tick();
    const drain = (async () => {
      while (r.batches.flat().length < 8) {
        r.releaseAll();
        await tick();
      }
      r.releaseAll();
    })();
    await Promise.all([drain, ...all]);
    expect(r.batches).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
  });
});
