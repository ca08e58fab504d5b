import { dayKey } from '@/shared/lib/time';
import type { ChatMessage } from './model';

export const GROUP_GAP_MS = 5 * 60 * 1000;

export type TimelineItem =
  | { kind: 'day'; key: string; day: string }
  | { kind: 'group'; key: string; username: string; profilePic: string | null; messages: ChatMessage[] };

/**
 * Day separators (viewer's time zone) and author groups: consecutive messages of one
 * author on the same day, each within `gapMs` of the previous one.
 */
export function buildTimeline(messages: readonly ChatMessage[], timeZone?: string, gapMs: number = GROUP_GAP_MS): TimelineItem[] {
  const items: TimelineItem[] = [];
  let currentDay: string | null = null;
  let group: Extract<TimelineItem, { kind: 'group' }> | null = null;
  let lastTime = 0;
  for (const m of messages) {
    const day = dayKey(m.createdAt, timeZone);
    const t = new Date(m.createdAt).getTime();
    if (day !== currentDay) {
      items.push({ kind: 'day', key: `day-${day}-${items.length}`, day });
      currentDay = day;
      group = null;
    }
    if (group && group.username === m.username && Math.abs(t - lastTime) <= gapMs) {
      group.messages.push(m);
    } else {
      group = { kind: 'group', key: `g-${m.key}`, username: m.username, profilePic: m.profilePic, messages: [m] };
      items.push(group);
    }
    lastTime = t;
  }
  return items;
}
