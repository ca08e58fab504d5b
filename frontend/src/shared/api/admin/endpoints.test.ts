import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  auditQuery,
  bulkDeleteMessages,
  deleteRoom,
  listAudit,
  listMessages,
  listUsers,
  messagesQuery,
  patchMessage,
  patchUser,
  roomsQuery,
  usersQuery,
} from './endpoints';
import { setCsrfToken } from '../http';
import { stubFetch } from '@/test/render';
import { exampleAudit, exampleMessage, exampleUser } from '@/test/adminExamples';

afterEach(() => {
  setCsrfToken(null);
  vi.unstubAllGlobals();
});

const csrf = { '/api/auth/csrf/': () => ({ body: { csrfToken: 'c'.repeat(64) } }) };

describe('admin query strings', () => {
  it('users: only set filters, booleans as true/false, dates and sort encoded', () => {
    expect(usersQuery({})).toBe('');
    expect(usersQuery({ q: '  ali ', is_active: false, is_staff: null, is_superuser: true, page: 2, page_size: 50 })).toBe(
      '?q=ali&is_active=false&is_superuser=true&page=2&page_size=50',
    );
    expect(usersQuery({ joined_after: '2024-01-01T00:00:00+09:00', joined_before: '2024-02-01T00:00:00-05:00', sort: '-last_login' })).toBe(
      '?joined_after=2024-01-01T00%3A00%3A00%2B09%3A00&joined_before=2024-02-01T00%3A00%3A00-05%3A00&sort=-last_login',
    );
  });

  it('rooms, messages and audit', () => {
    expect(roomsQuery({ q: 'a b', page: 3 })).toBe('?q=a+b&page=3');
    expect(messagesQuery({ room: 'public', author: 'bob', since: '2024-05-01T00:00:00+00:00', q: 'hi', page: 1, page_size: 50 })).toBe(
      '?room=public&author=bob&since=2024-05-01T00%3A00%3A00%2B00%3A00&q=hi&page=1&page_size=50',
    );
    expect(auditQuery({ actor: 'root', object_type: 'user', action: '', before: '2024-05-01T08:00:00+00:00', limit: 50 })).toBe(
      '?actor=root&object_type=user&before=2024-05-01T08%3A00%3A00%2B00%3A00&limit=50',
    );
  });
});

describe('admin client calls', () => {
  it('lists hit the documented paths and validate the bodies', async () => {
    const { fn, calls } = stubFetch({
      '/api/admin/users/': () => ({ body: { results: [exampleUser], count: 1, page: 2, page_size: 50 } }),
      '/api/admin/messages/': () => ({ body: { results: [exampleMessage], count: 1, page: 1, page_size: 50 } }),
      '/api/admin/audit/': () => ({ body: exampleAudit }),
    });
    vi.stubGlobal('fetch', fn);
    const users = await listUsers({ q: 'ali', page: 2, page_size: 50 });
    expect(users.results[0]?.id).toBe(7);
    await listMessages({ room: 'public', sort: '-created_at' });
    const audit = await listAudit({ before: 'X' });
    expect(audit.nextBefore).toBe(exampleAudit.nextBefore);
    expect(calls.map((c) => c.url)).toEqual(['/api/admin/users/?q=ali&page=2&page_size=50', '/api/admin/messages/?room=public&sort=-created_at', '/api/admin/audit/?before=X']);
  });

  it('writes send CSRF and JSON; PATCH carries only the given fields', async () => {
    const { fn, calls } = stubFetch({
      ...csrf,
      '/api/admin/users/7/': () => ({ body: { ...exampleUser, bio: 'new' } }),
      '/api/admin/messages/99/': () => ({ body: exampleMessage }),
    });
    vi.stubGlobal('fetch', fn);
    await patchUser(7, { bio: 'new' });
    await patchMessage(99, { created_at: '2024-04-30T10:00:00+00:00' });
    const patches = calls.filter((c) => c.init?.method === 'PATCH');
    expect(patches.map((c) => JSON.parse(c.init?.body as string) as unknown)).toEqual([{ bio: 'new' }, { created_at: '2024-04-30T10:00:00+00:00' }]);
    expect((patches[0]?.init?.headers as Record<string, string>)['X-CSRFToken']).toBe('c'.repeat(64));
  });

  it('room delete sends ?confirm=true and returns the deleted message count', async () => {
    const { fn, calls } = stubFetch({ ...csrf, '/api/admin/rooms/3/': () => ({ body: { ok: true, deleted_messages: 12 } }) });
    vi.stubGlobal('fetch', fn);
    expect(await deleteRoom(3)).toBe(12);
    const del = calls.find((c) => c.init?.method === 'DELETE');
    expect(del?.url).toBe('/api/admin/rooms/3/?confirm=true');
  });

  it('bulk delete posts only the set filters and refuses without any', async () => {
    const { fn, calls } = stubFetch({ ...csrf, '/api/admin/messages/bulk-delete/': () => ({ body: { ok: true, deleted: 4 } }) });
    vi.stubGlobal('fetch', fn);
    await expect(bulkDeleteMessages({ room: ' ', q: '' })).rejects.toThrow();
    expect(calls).toHaveLength(0);
    expect(await bulkDeleteMessages({ room: 'public', author: '', q: 'spam' })).toBe(4);
    const post = calls.find((c) => c.url === '/api/admin/messages/bulk-delete/');
    expect(JSON.parse(post?.init?.body as string)).toEqual({ room: 'public', q: 'spam' });
  });

  it('a body that does not match the contract is a contract error', async () => {
    const { fn } = stubFetch({ '/api/admin/users/': () => ({ body: { results: [{ id: 'x' }], count: 1 } }) });
    vi.stubGlobal('fetch', fn);
    await expect(listUsers()).rejects.toMatchObject({ kind: 'contract' });
  });
});
