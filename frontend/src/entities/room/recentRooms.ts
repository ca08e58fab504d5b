import { storage } from '@/shared/lib/storage';

export const RECENT_ROOMS_KEY = 'echochat.recentRooms';
const MAX_RECENT = 8;

export interface RecentRoom {
  slug: string;
  title: string;
  visitedAt: number;
}

export function loadRecentRooms(): RecentRoom[] {
  const raw = storage.get(RECENT_ROOMS_KEY);
  if (!raw) return [];
  try {
    const data: unknown = JSON.parse(raw);
    if (!Array.isArray(data)) return [];
    return data.filter(
      (r): r is RecentRoom =>
        typeof r === 'object' && r !== null && typeof (r as RecentRoom).slug === 'string' && typeof (r as RecentRoom).title === 'string' && typeof (r as RecentRoom).visitedAt === 'number',
    );
  } catch {
    return [];
  }
}

export function rememberRoom(slug: string, title: string, now: number = Date.now()): RecentRoom[] {
  const rest = loadRecentRooms().filter((r) => r.slug !== slug);
  const next = [{ slug, title, visitedAt: now }, ...rest].slice(0, MAX_RECENT);
  storage.set(RECENT_ROOMS_KEY, JSON.stringify(next));
  return next;
}

export function forgetRooms(): void {
  storage.remove(RECENT_ROOMS_KEY);
}
