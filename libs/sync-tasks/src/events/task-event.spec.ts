import { decodeTaskEvent, encodeTaskEvent, EVENT_FIELD, STREAM_ID, streamIdAfter, taskEventsKey } from './task-event';

describe('task events', () => {
  it('orders Redis stream ids numerically, not as text', () => {
    expect(streamIdAfter('1700000000010-0', '1700000000009-5')).toBe(true);
    expect(streamIdAfter('1700000000009-10', '1700000000009-9')).toBe(true);
    expect(streamIdAfter('1700000000009-9', '1700000000009-9')).toBe(false);
    expect(streamIdAfter('999-0', '1000-0')).toBe(false);
  });

  it('decodes its own entries and ignores anything else in the stream', () => {
    const event = { type: 'state', task_id: 't', user_id: 1, status: 'queued', progress: null, error: null, at: 'x' };
    expect(decodeTaskEvent('1-0', [EVENT_FIELD, JSON.stringify(event)])).toEqual({ id: '1-0', event });
    expect(decodeTaskEvent('1-0', ['other', '{}'])).toBeUndefined();
    expect(decodeTaskEvent('1-0', [EVENT_FIELD, '{not json'])).toBeUndefined();
  });

  it('stores events compactly (no nulls, no time: the entry id holds it) and restores them whole', () => {
    const queued = { type: 'state', task_id: 't1', user_id: 7, status: 'queued', progress: null, error: null } as const;
    const stored = encodeTaskEvent(queued);
    expect(JSON.parse(stored)).toEqual({ type: 'state', task_id: 't1', user_id: 7, status: 'queued' });
    expect(decodeTaskEvent('1733320000123-4', [EVENT_FIELD, stored])).toEqual({
      id: '1733320000123-4',
      event: { ...queued, at: '2024-12-04T13:46:40.123Z' },
    });
    const failed = { ...queued, status: 'failed', progress: { rowsDone: 5, filesDone: 0, percent: 50 }, error: 'boom' };
    expect(decodeTaskEvent('1-0', [EVENT_FIELD, encodeTaskEvent(failed as never)])?.event).toEqual({
      ...failed,
      at: '1970-01-01T00:00:00.001Z',
    });
  });

  it('keys the stream under the Redis prefix and accepts only stream ids as Last-Event-ID', () => {
    expect(taskEventsKey('datasync')).toBe('datasync:task-events');
    expect(STREAM_ID.test('1733320000000-0')).toBe(true);
    for (const bad of ['', '1733320000000', 'abc-0', '1-0\nevent: x']) expect(STREAM_ID.test(bad)).toBe(false);
  });
});
