import type { RoomDetails } from '@/shared/api/schemas';

/** api.md §4.12: the page title is createdBy, else name, else the slug. */
export function roomTitle(room: RoomDetails): string {
  return room.createdBy ?? (room.name || room.slug);
}

