import { fetchRoom } from '@/shared/api/endpoints';
import { ApiError } from '@/shared/api/http';
import type { RoomDetails } from '@/shared/api/schemas';
import { randomSlug } from '@/shared/lib/slug';

export class RoomCreationFailed extends Error {
  constructor() {
    super('no free slug found');
    this.name = 'RoomCreationFailed';
  }
}

/**
 * api.md §4.12: pick a random 12-hex slug; a 409 or `created: false` means it is
 * already somebody's room, so try another (up to `attempts` times).
 */
export async function createRoom(
  attempts = 3,
  deps: { fetchRoom: (slug: string) => Promise<RoomDetails>; randomSlug: () => string } = { fetchRoom, randomSlug: () => randomSlug() },
): Promise<RoomDetails> {
  for (let i = 0; i < attempts; i += 1) {
    const slug = deps.randomSlug();
    try {
      const room = await deps.fetchRoom(slug);
      if (room.created) return room;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) throw e;
    }
  }
  throw new RoomCreationFailed();
}
