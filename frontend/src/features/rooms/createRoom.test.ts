import { describe, expect, it } from 'vitest';
import { ApiError } from '@/shared/api/http';
import type { RoomDetails } from '@/shared/api/schemas';
import { createRoom, RoomCreationFailed } from './createRoom';

function deps(answers: ((slug: string) => RoomDetails | ApiError)[]) {
  const tried: string[] = [];
  let i = 0;
  return {
    tried,
    deps: {
      randomSlug: () => `slug${String(tried.length).padStart(8, '0')}`,
      fetchRoom: (slug: string) => {
        tried.push(slug);
        const a = answers[i++];
        if (!a) throw new Error('too many calls');
        const r = a(slug);
        return r instanceof ApiError ? Promise.reject(r) : Promise.resolve(r);
      },
    },
  };
}

const taken = () => new ApiError('http', 409, { error: 'Room slug is already taken', code: 'slug_taken' });
const existing = (slug: string): RoomDetails => ({ slug, name: 'x', created: false, createdBy: 'me' });
const fresh = (slug: string): RoomDetails => ({ slug, name: 'me', created: true, createdBy: 'me' });

describe('createRoom (api.md §4.12)', () => {
  it('retries another slug on 409 and on created:false', async () => {
    const { deps: d, tried } = deps([taken, existing, fresh]);
    const room = await createRoom(3, d);
    expect(room.created).toBe(true);
    expect(new Set(tried).size).toBe(3);
  });

  it('gives up after the attempts', async () => {
    const { deps: d } = deps([taken, taken, taken]);
    await expect(createRoom(3, d)).rejects.toBeInstanceOf(RoomCreationFailed);
  });

  it('other errors are not retried', async () => {
    const { deps: d, tried } = deps([() => new ApiError('http', 401, { error: 'Требуется авторизация' })]);
    await expect(createRoom(3, d)).rejects.toMatchObject({ status: 401 });
    expect(tried).toHaveLength(1);
  });
});
