import { describe, expect, it } from 'vitest';
import { buildTimeline } from './timeline';
import type { ChatMessage } from './model';
import { dayKey, dayLabel } from '@/shared/lib/time';

let n = 0;
const m = (username: string, createdAt: string): ChatMessage => {
  n += 1;
  return { key: `k${n}`, id: n, clientId: null, username, content: `text ${n}`, profilePic: null, createdAt, status: 'sent', order: n };
};

describe('day separators in the viewer time zone', () => {
  const late = m('alice', '2024-03-10T22:30:00+00:00');
  const early = m('alice', '2024-03-11T01:30:00+00:00');

  it('splits at local midnight in UTC', () => {
    const items = buildTimeline([late, early], 'UTC');
    expect(items.flatMap((i) => (i.kind === 'day' ? [i.day] : []))).toEqual(['2024-03-10', '2024-03-11']);
  });

  it('keeps both on one day in New York (UTC-4/-5)', () => {
    const items = buildTimeline([late, early], 'America/New_York');
    const days = items.filter((i) => i.kind === 'day');
    expect(days).toHaveLength(1);
    expect(days[0]?.kind === 'day' && days[0].day).toBe('2024-03-10');
  });

  it('puts both on the next day in Tokyo (UTC+9)', () => {
    const items = buildTimeline([late, early], 'Asia/Tokyo');
    expect(items.flatMap((i) => (i.kind === 'day' ? [i.day] : []))).toEqual(['2024-03-11']);
  });

  it('uses the process local zone by default (TZ set for tests)', () => {
    // vitest.config sets TZ=Asia/Tokyo for the test process.
    expect(dayKey('2024-03-10T22:30:00+00:00')).toBe('2024-03-11');
  });

  it('labels today, yesterday and older days', () => {
    const now = new Date('2024-03-11T12:00:00Z');
    const labels = { today: 'Today', yesterday: 'Yesterday' };
    expect(dayLabel('2024-03-11', now, labels, 'en-GB', 'UTC')).toBe('Today');
    expect(dayLabel('2024-03-10', now, labels, 'en-GB', 'UTC')).toBe('Yesterday');
    expect(dayLabel('2024-03-01', now, labels, 'en-GB', 'UTC')).toMatch(/1 March 2024/);
    expect(dayLabel('2024-03-01', now, labels, 'ru-RU', 'UTC')).toMatch(/марта 2024/);
  });
});

describe('grouping by author and time', () => {
  it('groups consecutive messages of one author within 5 minutes', () => {
    const items = buildTimeline(
      [
        m('alice', '2024-03-10T10:00:00Z'),
        m('alice', '2024-03-10T10:04:00Z'),
        m('bob', '2024-03-10T10:05:00Z'),
        m('alice', '2024-03-10T10:06:00Z'),
        m('alice', '2024-03-10T10:30:00Z'),
      ],
      'UTC',
    );
    const groups = items.flatMap((i) => (i.kind === 'group' ? [[i.username, i.messages.length]] : []));
    expect(groups).toEqual([
      ['alice', 2],
      ['bob', 1],
      ['alice', 1],
      ['alice', 1],
    ]);
  });

  it('starts a new group after a day separator even for the same author', () => {
    const items = buildTimeline([m('alice', '2024-03-10T23:58:00Z'), m('alice', '2024-03-11T00:01:00Z')], 'UTC');
    expect(items.map((i) => i.kind)).toEqual(['day', 'group', 'day', 'group']);
  });
});
