import { describe, expect, it } from 'vitest';
import type { Message } from '@/shared/api/schemas';
import { conversationReducer, emptyConversation, lastConfirmedId, oldestId, type ConversationAction, type ConversationState } from './model';

const msg = (id: number, extra: Partial<Message> = {}): Message => ({
  id,
  username: 'bob',
  content: `m${id}`,
  profilePic: null,
  createdAt: `2024-05-01T10:${String(id % 60).padStart(2, '0')}:00+00:00`,
  ...extra,
});

const run = (actions: ConversationAction[], start: ConversationState = emptyConversation) => actions.reduce(conversationReducer, start);
const ids = (s: ConversationState) => s.messages.map((m) => m.id);

describe('history paging and merge', () => {
  it('merges pages in id order without duplicates', () => {
    const s = run([
      { type: 'history', messages: [msg(3), msg(4), msg(5)], hasMore: true },
      { type: 'older', messages: [msg(1), msg(2), msg(3)], hasMore: false },
    ]);
    expect(ids(s)).toEqual([1, 2, 3, 4, 5]);
    expect(s.hasMore).toBe(false);
    expect(oldestId(s.messages)).toBe(1);
    expect(lastConfirmedId(s.messages)).toBe(5);
  });

  it('resync after reconnect adds only what was missed, even when live frames overlap', () => {
    const s = run([
      { type: 'history', messages: [msg(1), msg(2)], hasMore: false },
      { type: 'frame', frame: { message: 'm4', username: 'bob', profile_pic: null, id: 4, createdAt: msg(4).createdAt } },
      // the reconnect fetch with after=2 returns 3 and 4; 4 was already seen live
      { type: 'resync', messages: [msg(3), msg(4)] },
      { type: 'frame', frame: { message: 'm4', username: 'bob', profile_pic: null, id: 4, createdAt: msg(4).createdAt } },
    ]);
    expect(ids(s)).toEqual([1, 2, 3, 4]);
  });
});

describe('optimistic send state machine', () => {
  const send: ConversationAction = { type: 'send', clientId: 'c1', username: 'me', profilePic: null, content: 'hello', now: '2024-05-01T11:00:00Z' };

  it('pending → sent when the echo carries our client_id; keeps its key', () => {
    let s = run([{ type: 'history', messages: [msg(1)], hasMore: false }, send]);
    expect(s.messages.at(-1)?.status).toBe('pending');
    const key = s.messages.at(-1)?.key;
    s = conversationReducer(s, {
      type: 'frame',
      frame: { message: 'hello', username: 'me', profile_pic: null, id: 9, createdAt: '2024-05-01T11:00:01+00:00', client_id: 'c1' },
    });
    expect(s.messages).toHaveLength(2);
    const last = s.messages.at(-1);
    expect(last?.status).toBe('sent');
    expect(last?.id).toBe(9);
    expect(last?.key).toBe(key);
  });

  it('pending → failed (rate limited) → pending on retry → sent', () => {
    let s = run([send, { type: 'failOldestPending', reason: 'rate_limited' }]);
    expect(s.messages[0]?.status).toBe('failed');
    expect(s.messages[0]?.failReason).toBe('rate_limited');
    s = conversationReducer(s, { type: 'retry', clientId: 'c1' });
    expect(s.messages[0]?.status).toBe('pending');
    s = conversationReducer(s, { type: 'frame', frame: { message: 'hello', username: 'me', profile_pic: null, id: 3, client_id: 'c1' } });
    expect(s.messages.map((m) => [m.status, m.id])).toEqual([['sent', 3]]);
  });

  it('dedupes when resync already delivered the message that a retried send then echoes', () => {
    let s = run([{ type: 'history', messages: [msg(1)], hasMore: false }, send]);
    // connection dropped: the server had stored it as id 2; resync (no client_id in history) brings it
    s = conversationReducer(s, { type: 'resync', messages: [msg(2, { username: 'me', content: 'hello' })] });
    // the retry with the same client_id is idempotent (P7) and echoes the original id
    s = conversationReducer(s, { type: 'frame', frame: { message: 'hello', username: 'me', profile_pic: null, id: 2, client_id: 'c1' } });
    expect(s.messages.map((m) => [m.id, m.status])).toEqual([
      [1, 'sent'],
      [2, 'sent'],
    ]);
  });

  it('keeps local messages after confirmed ones, and new server messages go before them', () => {
    const s = run([
      { type: 'history', messages: [msg(1)], hasMore: false },
      send,
      { type: 'frame', frame: { message: 'other', username: 'bob', profile_pic: null, id: 2 } },
    ]);
    expect(s.messages.map((m) => m.content)).toEqual(['m1', 'other', 'hello']);
  });

  it('legacy echo without id or client_id confirms the oldest matching local copy', () => {
    const s = run([send, { type: 'frame', frame: { message: 'hello', username: 'me', profile_pic: null } }]);
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]?.status).toBe('sent');
  });

  it('a repeated send of the same client_id is ignored; discard removes a failed message', () => {
    let s = run([send, send]);
    expect(s.messages).toHaveLength(1);
    s = run([{ type: 'failed', clientId: 'c1', reason: 'timeout' }, { type: 'discard', clientId: 'c1' }], s);
    expect(s.messages).toHaveLength(0);
  });
});

describe('moderation frames', () => {
  it('message_updated replaces content; message_deleted removes', () => {
    let s = run([{ type: 'history', messages: [msg(1), msg(2)], hasMore: false }]);
    s = conversationReducer(s, { type: 'updated', frame: { type: 'message_updated', id: 2, message: 'fixed' } });
    expect(s.messages[1]?.content).toBe('fixed');
    expect(s.messages[1]?.edited).toBe(true);
    s = conversationReducer(s, { type: 'deleted', id: 1 });
    expect(ids(s)).toEqual([2]);
  });
});

describe('history order after an admin timestamp edit (created_at, id)', () => {
  it('a history page keeps the server order by created_at, not by id; cursors follow that order', () => {
    // Message 3's timestamp was moved before message 1.
    const s = run([{ type: 'history', messages: [msg(3, { createdAt: '2024-05-01T09:00:00+00:00' }), msg(1), msg(2), msg(4)], hasMore: true }]);
    expect(ids(s)).toEqual([3, 1, 2, 4]);
    expect(oldestId(s.messages)).toBe(3);
    expect(lastConfirmedId(s.messages)).toBe(4);
  });

  it('equal timestamps fall back to id order', () => {
    const t = '2024-05-01T10:00:00+00:00';
    const s = run([{ type: 'history', messages: [msg(2, { createdAt: t }), msg(1, { createdAt: t })], hasMore: false }]);
    expect(ids(s)).toEqual([1, 2]);
  });

  it('a live message_updated frame with a new createdAt moves the message', () => {
    let s = run([{ type: 'history', messages: [msg(1), msg(2), msg(3)], hasMore: false }]);
    s = conversationReducer(s, { type: 'updated', frame: { type: 'message_updated', id: 3, message: 'm3', createdAt: '2024-05-01T09:59:00+00:00' } });
    expect(ids(s)).toEqual([3, 1, 2]);
    s = conversationReducer(s, { type: 'updated', frame: { type: 'message_updated', id: 3, message: 'm3', createdAt: '2024-05-01T10:01:30+00:00' } });
    expect(ids(s)).toEqual([1, 3, 2]);
  });
});
