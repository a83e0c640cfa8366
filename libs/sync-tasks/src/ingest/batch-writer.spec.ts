import { factory } from '../../../../test/unit/factory';
import { Batch } from './batch';
import { BatchWriter, Segment } from './batch-writer';
import { scopeOf } from './file-reader';

function segment(fileId: number, rows: number, end = false): Segment {
  const file = factory.catalogFile({ id: fileId });
  const batch = new Batch(fileId);
  for (let n = 1; n <= rows; n++) {
    batch.add(n, { ok: true, key: `${fileId}-${n}`.padStart(32, '0'), date: null, json: '{}' });
  }
  return { file, scope: scopeOf(file), batch, fraction: end ? 1 : 0.5, end: end ? { error: null } : undefined };
}

/** A commit the test settles by hand, to see what overlaps what. */
function deferredCommits() {
  const calls: { segments: Segment[]; resolve(): void; reject(error: Error): void }[] = [];
  const commit = (segments: Segment[]) =>
    new Promise<void>((resolve, reject) => calls.push({ segments, resolve, reject }));
  return { calls, commit };
}

const idsOf = (segments: Segment[]) => segments.map((s) => `${s.file.id}:${s.batch.size}${s.end ? '$' : ''}`);

describe(BatchWriter.name, () => {
  it("lets the segments of consecutive files share a commit until they hold a batch's worth of rows", async () => {
    const { calls, commit } = deferredCommits();
    const writer = new BatchWriter(10, commit);
    await writer.add(segment(1, 4, true));
    expect(writer.room()).toBe(6);
    await writer.add(segment(2, 3, true));
    expect(calls).toHaveLength(0);
    await writer.add(segment(3, 3));
    expect(calls.map((c) => idsOf(c.segments))).toEqual([['1:4$', '2:3$', '3:3']]);
    expect(writer.room()).toBe(10);
  });

  it('keeps one commit in flight: the next waits for it, and the rows read meanwhile wait their turn', async () => {
    const { calls, commit } = deferredCommits();
    const writer = new BatchWriter(5, commit);
    await writer.add(segment(1, 5));
    let added = false;
    const adding = writer.add(segment(1, 5)).then(() => (added = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(1);
    expect(added).toBe(false);
    calls[0].resolve();
    await adding;
    expect(calls).toHaveLength(2);
    calls[1].resolve();
    await writer.drain();
  });

  it('commits what is left on drain, an end without rows included', async () => {
    const { calls, commit } = deferredCommits();
    const writer = new BatchWriter(100, commit);
    await writer.add(segment(1, 7));
    await writer.add(segment(1, 0, true));
    const draining = writer.drain();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => idsOf(c.segments))).toEqual([['1:7', '1:0$']]);
    calls[0].resolve();
    await draining;
  });

  it("throws a commit's error from the next add, and settles without committing what is pending", async () => {
    const { calls, commit } = deferredCommits();
    const writer = new BatchWriter(2, commit);
    await writer.add(segment(1, 2));
    calls[0].reject(new Error('connection lost'));
    await expect(writer.add(segment(2, 2))).rejects.toThrow('connection lost');
    await writer.settle();
    await writer.drain();
    expect(calls).toHaveLength(1);
  });

  it('never puts two segments with rows of one file in a commit', async () => {
    const { calls, commit } = deferredCommits();
    const writer = new BatchWriter(100, commit);
    await writer.add(segment(1, 10));
    await writer.add(segment(1, 10));
    expect(calls.map((c) => idsOf(c.segments))).toEqual([['1:10']]);
    calls[0].resolve();
    await writer.add(segment(1, 0, true));
    const draining = writer.drain();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => idsOf(c.segments))).toEqual([['1:10'], ['1:10', '1:0$']]);
    calls[1].resolve();
    await draining;
  });
});
