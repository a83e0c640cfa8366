import { decodeTaskEvent, EVENT_FIELD, STREAM_ID, streamIdAfter, taskEventsKey } from './task-event';

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

  it('keys the stream under the Redis prefix and accepts only stream ids as Last-Event-ID', () => {
    expect(taskEventsKey('datasync')).toBe('datasync:task-events');
    expect(STREAM_ID.test('1733320000000-0')).toBe(true);
    for (const bad of ['', '1733320000000', 'abc-0', '1-0\nevent: x']) expect(STREAM_ID.test(bad)).toBe(false);
  });
});
