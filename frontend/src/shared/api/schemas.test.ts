/**
 * Contract drift tests: the exact example bodies of api.md / websocket.md / decisions.md
 * must parse through the schemas the SPA uses.
 */
import { describe, expect, it } from 'vitest';
import {
  csrfResponseSchema,
  errorBodySchema,
  historyResponseSchema,
  okResponseSchema,
  parseChatFrame,
  parsePresenceFrame,
  passwordRulesSchema,
  profileResponseSchema,
  publicRoomSchema,
  registerHintSchema,
  registerResponseSchema,
  retryAfterSeconds,
  roomDetailsSchema,
  sessionResponseSchema,
} from './schemas';

const user = {
  username: 'alice',
  email: '',
  profileImage: 'https://chat.example/media/default.jpg',
  bio: '',
  registeredAt: '2024-05-01T10:20:30.123456+00:00',
};

describe('HTTP bodies (api.md)', () => {
  it('4.1 csrf', () => {
    const token = 'a'.repeat(64);
    expect(csrfResponseSchema.parse({ csrfToken: token }).csrfToken).toBe(token);
  });

  it('4.2 session: user and guest', () => {
    expect(sessionResponseSchema.parse({ authenticated: true, user }).user?.username).toBe('alice');
    expect(sessionResponseSchema.parse({ authenticated: false, user: null }).user).toBeNull();
  });

  it('P3: is_staff / is_superuser are read, and default to false when absent', () => {
    const staff = sessionResponseSchema.parse({ authenticated: true, user: { ...user, is_staff: true, is_superuser: false } });
    expect(staff.user?.is_staff).toBe(true);
    expect(sessionResponseSchema.parse({ authenticated: true, user }).user?.is_staff).toBe(false);
  });

  it('User: empty profileImage is treated as null; registeredAt may be null', () => {
    const u = profileResponseSchema.parse({ user: { ...user, profileImage: '', registeredAt: null } }).user;
    expect(u.profileImage).toBeNull();
    expect(u.registeredAt).toBeNull();
  });

  it('4.3 login success and the documented error bodies', () => {
    expect(sessionResponseSchema.parse({ authenticated: true, user }).authenticated).toBe(true);
    for (const body of [
      { error: 'Too many attempts' },
      { error: 'Неверное тело запроса', errors: { body: ['Пустое тело запроса'] } },
      { error: 'Требуются логин и пароль', errors: { credentials: ['Укажите логин и пароль'] } },
      { error: 'Неверный логин или пароль', errors: { credentials: ['Неверный логин или пароль'] }, code: 'invalid_credentials' },
    ]) {
      expect(errorBodySchema.safeParse(body).success).toBe(true);
    }
  });

  it('4.4 logout', () => {
    expect(okResponseSchema.parse({ ok: true }).ok).toBe(true);
  });

  it('4.5 register hint', () => {
    expect(registerHintSchema.parse({ detail: 'Используйте POST c полями username, password1, password2' }).detail).toContain('password2');
  });

  it('4.6 register: 201 with user, or {"ok": true} (created, not logged in)', () => {
    expect(registerResponseSchema.parse({ authenticated: true, user }).user?.username).toBe('alice');
    expect(registerResponseSchema.parse({ ok: true }).user).toBeNull();
    const weak = errorBodySchema.parse({
      error: 'Пароль слишком слабый',
      errors: {
        username: ['Введите правильное имя пользователя. Оно может содержать только буквы, цифры и знаки @/./+/-/_.'],
        password: ['Пароль слишком слабый'],
      },
    });
    expect(Object.keys(weak.errors ?? {})).toEqual(['username', 'password']);
  });

  it('4.7 password rules, relaxed and strict', () => {
    expect(passwordRulesSchema.parse({ rules: ['Ваш пароль должен содержать как минимум 6 символов.'] }).rules).toHaveLength(1);
    expect(
      passwordRulesSchema.parse({
        rules: [
          'Пароль не должен быть слишком похож на другую вашу личную информацию.',
          'Ваш пароль должен содержать как минимум 8 символов.',
          'Пароль не должен быть слишком простым и распространенным.',
          'Пароль не может состоять только из цифр.',
        ],
      }).rules,
    ).toHaveLength(4);
  });

  it('4.8–4.10 profile and public profile', () => {
    expect(profileResponseSchema.parse({ user }).user.bio).toBe('');
    expect(errorBodySchema.parse({ error: 'Требуется авторизация' }).error).toBe('Требуется авторизация');
    expect(errorBodySchema.parse({ errors: { username: ['Обязательное поле.'] } }).errors?.username).toEqual(['Обязательное поле.']);
    expect(errorBodySchema.parse({ error: 'Not found' }).error).toBe('Not found');
    const pub = profileResponseSchema.parse({ user: { ...user, lastSeen: '2024-06-01T08:00:00+00:00' } }).user;
    expect(pub.lastSeen).toBe('2024-06-01T08:00:00+00:00');
    expect(profileResponseSchema.parse({ user: { ...user, lastSeen: null } }).user.lastSeen).toBeNull();
  });

  it('4.11 public room, with and without the additive fields', () => {
    expect(publicRoomSchema.parse({ slug: 'public', name: 'Public Chat' })).toEqual({ slug: 'public', name: 'Public Chat' });
    const extended = publicRoomSchema.parse({ slug: 'public', name: 'Public Chat', slugRegex: '^[A-Za-z0-9_-]{3,50}$', messageMaxLength: 1000 });
    expect(extended.slugRegex).toBe('^[A-Za-z0-9_-]{3,50}$');
    expect(extended.messageMaxLength).toBe(1000);
  });

  it('4.12 room details and its errors', () => {
    expect(roomDetailsSchema.parse({ slug: 'public', name: 'Public Chat', created: false, createdBy: null }).createdBy).toBeNull();
    expect(roomDetailsSchema.parse({ slug: 'a1b2c3d4e5f6', name: 'alice', created: true, createdBy: 'alice' }).created).toBe(true);
    expect(errorBodySchema.parse({ error: 'Invalid room slug' }).error).toBe('Invalid room slug');
    expect(errorBodySchema.parse({ error: 'Room slug is already taken', code: 'slug_taken' }).code).toBe('slug_taken');
  });

  it('4.13 history, plain and with P8 hasMore/nextBefore', () => {
    const msg = { id: 7, username: 'alice', content: 'hi', profilePic: 'https://chat.example/media/default.jpg', createdAt: '2024-05-01T10:20:30+00:00' };
    expect(historyResponseSchema.parse({ messages: [msg] }).messages[0]?.id).toBe(7);
    const paged = historyResponseSchema.parse({ messages: [msg], hasMore: true, nextBefore: 7 });
    expect(paged.hasMore).toBe(true);
    expect(paged.nextBefore).toBe(7);
    expect(historyResponseSchema.parse({ messages: [{ ...msg, profilePic: null }] }).messages[0]?.profilePic).toBeNull();
    expect(historyResponseSchema.safeParse({ messages: [{ ...msg, id: '7' }] }).success).toBe(false);
  });

  it('D9: JSON error bodies for CSRF failures', () => {
    expect(errorBodySchema.parse({ detail: 'CSRF verification failed.' }).detail).toBe('CSRF verification failed.');
  });
});

describe('WebSocket frames (websocket.md)', () => {
  it('§2.3 (a) reference frame without id', () => {
    const f = parseChatFrame('{"message": "hi", "username": "alice", "profile_pic": "http://h/media/default.jpg", "room": "public"}');
    expect(f?.kind).toBe('message');
    if (f?.kind === 'message') {
      expect(f.frame.id).toBeUndefined();
      expect(f.frame.profile_pic).toBe('http://h/media/default.jpg');
    }
  });

  it('P7 frame with id, createdAt and client_id', () => {
    const f = parseChatFrame(
      JSON.stringify({ message: 'hi', username: 'alice', profile_pic: null, room: 'public', id: 42, createdAt: '2024-05-01T10:20:30+00:00', client_id: 'c-1' }),
    );
    expect(f).toEqual({
      kind: 'message',
      frame: { message: 'hi', username: 'alice', profile_pic: null, room: 'public', id: 42, createdAt: '2024-05-01T10:20:30+00:00', client_id: 'c-1' },
    });
  });

  it('§2.3 (b)/(c) error frames and W9 retry_after', () => {
    expect(parseChatFrame('{"error": "message_too_long"}')?.kind).toBe('error');
    const plain = parseChatFrame('{"error": "rate_limited"}');
    const hinted = parseChatFrame('{"error": "rate_limited", "retry_after": 7}');
    if (plain?.kind !== 'error' || hinted?.kind !== 'error') throw new Error('expected error frames');
    expect(retryAfterSeconds(plain.frame)).toBe(10);
    expect(retryAfterSeconds(hinted.frame)).toBe(7);
    const alt = parseChatFrame('{"error": "rate_limited", "retryAfter": 2.2}');
    if (alt?.kind !== 'error') throw new Error('expected error frame');
    expect(retryAfterSeconds(alt.frame)).toBe(3);
  });

  it('additive message_updated / message_deleted frames', () => {
    expect(parseChatFrame('{"type": "message_updated", "id": 5, "message": "edited", "username": "alice"}')?.kind).toBe('updated');
    expect(parseChatFrame('{"type": "message_deleted", "id": 5}')).toEqual({ kind: 'deleted', frame: { type: 'message_deleted', id: 5 } });
  });

  it('ignores unknown or malformed frames', () => {
    expect(parseChatFrame('not json')).toBeNull();
    expect(parseChatFrame('[]')).toBeNull();
    expect(parseChatFrame('{"message": ""}')).toBeNull();
    expect(parseChatFrame('{"type": "something_new"}')).toBeNull();
  });

  it('§3.4 presence frames for guests and users', () => {
    expect(parsePresenceFrame('{"guests": 3}')).toEqual({ guests: 3 });
    expect(parsePresenceFrame('{"online": [{"username": "alice", "profileImage": "http://h/media/a.png"}, {"username": "bob", "profileImage": null}], "guests": 0}')).toEqual({
      online: [
        { username: 'alice', profileImage: 'http://h/media/a.png' },
        { username: 'bob', profileImage: null },
      ],
      guests: 0,
    });
    expect(parsePresenceFrame('{"guests": "4"}')?.guests).toBe(4);
    expect(parsePresenceFrame('{"type": "pong"}')).toBeNull();
  });
});
