/** Example admin API bodies written from docs/admin-api.md (shared by tests). */
export const exampleUser = {
  id: 7,
  username: 'alice',
  email: 'alice@example.com',
  bio: 'Hi',
  profileImage: 'http://localhost/media/profile_pics/ab12.jpg',
  is_active: true,
  is_staff: false,
  is_superuser: false,
  date_joined: '2024-01-02T03:04:05+00:00',
  last_login: '2024-05-01T10:00:00+00:00',
  last_seen: null,
};
export const exampleRoom = { id: 3, slug: 'abc123def456', name: 'Room', owner: 'alice', created_at: '2024-02-01T00:00:00+00:00', message_count: 12 };
export const exampleMessage = { id: 99, room: 'public', username: 'alice', user_id: 7, content: 'hello', created_at: '2024-05-01T10:00:00+00:00' };
export const exampleAudit = {
  results: [
    {
      id: 5,
      at: '2024-05-02T08:00:00+00:00',
      actor_id: 1,
      actor: 'root',
      action: 'update',
      object_type: 'message',
      object_id: 99,
      object_label: 'hello',
      changes: { created_at: ['2024-05-01T10:00:00+00:00', '2024-04-30T10:00:00+00:00'], content: ['helo', 'hello'] },
    },
    { id: 4, at: '2024-05-01T08:00:00+00:00', actor_id: 1, actor: 'root', action: 'delete', object_type: 'user', object_id: 8, object_label: 'bob', changes: {} },
  ],
  nextBefore: '2024-05-01T08:00:00+00:00',
};

