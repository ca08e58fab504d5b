/**
 * Conversation state: history pages, live frames, resync after reconnect and
 * optimistic sends, merged without duplicates (by server `id` and by `client_id`, P7).
 */
import type { ChatMessageFrame, Message, MessageUpdatedFrame } from '@/shared/api/schemas';

/** Outcome of asking to send a message. */
export type SendResult = 'sent' | 'queued' | 'empty' | 'too_long' | 'rate_limited' | 'guest';

export type MessageStatus = 'sent' | 'pending' | 'failed';
export type FailReason = 'rate_limited' | 'too_long' | 'timeout' | 'offline';

export interface ChatMessage {
  /** Stable React key; kept when a pending message is confirmed. */
  key: string;
  id: number | null;
  clientId: string | null;
  username: string;
  content: string;
  profilePic: string | null;
  createdAt: string;
  status: MessageStatus;
  failReason?: FailReason;
  edited?: boolean;
  /** Ordering key for confirmed messages: the id, or an arrival position for frames without id. */
  order: number;
}

export interface ConversationState {
  messages: ChatMessage[];
  hasMore: boolean;
  loaded: boolean;
}

export const emptyConversation: ConversationState = { messages: [], hasMore: false, loaded: false };

export type ConversationAction =
  | { type: 'history'; messages: Message[]; hasMore: boolean }
  | { type: 'older'; messages: Message[]; hasMore: boolean }
  | { type: 'resync'; messages: Message[] }
  | { type: 'frame'; frame: ChatMessageFrame }
  | { type: 'send'; clientId: string; username: string; profilePic: string | null; content: string; now: string }
  | { type: 'retry'; clientId: string }
  | { type: 'failed'; clientId: string; reason: FailReason }
  | { type: 'failOldestPending'; reason: FailReason }
  | { type: 'discard'; clientId: string }
  | { type: 'updated'; frame: MessageUpdatedFrame }
  | { type: 'deleted'; id: number }
  | { type: 'reset' };

function isLocal(m: ChatMessage): boolean {
  return m.status !== 'sent';
}

function timeOf(m: ChatMessage): number {
  return Date.parse(m.createdAt);
}

/**
 * History order (admin-api.md "History order"): `(created_at, id)` for messages with a server id,
 * so a message whose timestamp an admin edited moves; arrival order for legacy frames without id.
 */
export function compareMessages(a: ChatMessage, b: ChatMessage): number {
  if (a.id !== null && b.id !== null) {
    const ta = timeOf(a);
    const tb = timeOf(b);
    if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return ta - tb;
    return a.id - b.id;
  }
  return a.order - b.order;
}

function sortMessages(list: ChatMessage[]): ChatMessage[] {
  const sent = list.filter((m) => !isLocal(m)).sort(compareMessages);
  const local = list.filter(isLocal);
  return [...sent, ...local];
}

function maxOrder(list: ChatMessage[]): number {
  let max = 0;
  for (const m of list) if (!isLocal(m) && m.order > max) max = m.order;
  return max;
}

function fromServer(m: Message): ChatMessage {
  return {
    key: `m${m.id}`,
    id: m.id,
    clientId: m.client_id ?? null,
    username: m.username,
    content: m.content,
    profilePic: m.profilePic,
    createdAt: m.createdAt,
    status: 'sent',
    order: m.id,
  };
}

/** Adds/updates server messages: dedupe by id, confirm local copies by client_id. */
export function mergeServerMessages(list: ChatMessage[], incoming: Message[]): ChatMessage[] {
  const out = [...list];
  for (const msg of incoming) {
    const byId = out.findIndex((m) => m.id === msg.id);
    if (byId >= 0) {
      const existing = out[byId];
      if (existing) out[byId] = { ...existing, content: msg.content, username: msg.username, profilePic: msg.profilePic, createdAt: msg.createdAt };
      // A local copy carrying the same client_id is now redundant.
      if (msg.client_id) {
        const dup = out.findIndex((m, i) => i !== byId && m.clientId === msg.client_id && isLocal(m));
        if (dup >= 0) out.splice(dup, 1);
      }
      continue;
    }
    const byClient = msg.client_id ? out.findIndex((m) => m.clientId === msg.client_id) : -1;
    const local = byClient >= 0 ? out[byClient] : undefined;
    if (local) {
      out[byClient] = { ...fromServer(msg), key: local.key };
      continue;
    }
    out.push(fromServer(msg));
  }
  return sortMessages(out);
}

/** Applies one live chat frame (websocket.md §2.3 (a) + P7 fields). */
export function applyFrame(list: ChatMessage[], frame: ChatMessageFrame, now: () => string = () => new Date().toISOString()): ChatMessage[] {
  if (frame.id !== undefined) {
    return mergeServerMessages(list, [
      {
        id: frame.id,
        username: frame.username,
        content: frame.message,
        profilePic: frame.profile_pic,
        createdAt: frame.createdAt ?? now(),
        ...(frame.client_id !== undefined ? { client_id: frame.client_id } : {}),
      },
    ]);
  }
  // Legacy frame without id: confirm by client_id, else the oldest local copy with the same author and text.
  const out = [...list];
  let idx = frame.client_id ? out.findIndex((m) => m.clientId === frame.client_id && isLocal(m)) : -1;
  if (idx < 0) idx = out.findIndex((m) => isLocal(m) && m.username === frame.username && m.content === frame.message);
  const order = maxOrder(out) + 0.001;
  const local = idx >= 0 ? out[idx] : undefined;
  const confirmed: ChatMessage = {
    key: local ? local.key : `f${order}-${Math.random().toString(36).slice(2, 8)}`,
    id: null,
    clientId: frame.client_id ?? local?.clientId ?? null,
    username: frame.username,
    content: frame.message,
    profilePic: frame.profile_pic,
    createdAt: frame.createdAt ?? now(),
    status: 'sent',
    order,
  };
  if (local) out[idx] = confirmed;
  else out.push(confirmed);
  return sortMessages(out);
}

export function conversationReducer(state: ConversationState, action: ConversationAction): ConversationState {
  switch (action.type) {
    case 'reset':
      return emptyConversation;
    case 'history':
      return { messages: mergeServerMessages(state.messages, action.messages), hasMore: action.hasMore, loaded: true };
    case 'older':
      return { ...state, messages: mergeServerMessages(state.messages, action.messages), hasMore: action.hasMore };
    case 'resync':
      return { ...state, messages: mergeServerMessages(state.messages, action.messages) };
    case 'frame':
      return { ...state, messages: applyFrame(state.messages, action.frame) };
    case 'send': {
      if (state.messages.some((m) => m.clientId === action.clientId)) return state;
      const msg: ChatMessage = {
        key: `c${action.clientId}`,
        id: null,
        clientId: action.clientId,
        username: action.username,
        content: action.content,
        profilePic: action.profilePic,
        createdAt: action.now,
        status: 'pending',
        order: Number.POSITIVE_INFINITY,
      };
      return { ...state, messages: [...state.messages, msg] };
    }
    case 'retry':
      return {
        ...state,
        messages: state.messages.map((m) => (m.clientId === action.clientId && m.status === 'failed' ? { ...m, status: 'pending', failReason: undefined } : m)),
      };
    case 'failed':
      return {
        ...state,
        messages: state.messages.map((m) => (m.clientId === action.clientId && m.status === 'pending' ? { ...m, status: 'failed', failReason: action.reason } : m)),
      };
    case 'failOldestPending': {
      const idx = state.messages.findIndex((m) => m.status === 'pending');
      if (idx < 0) return state;
      const messages = [...state.messages];
      const m = messages[idx];
      if (m) messages[idx] = { ...m, status: 'failed', failReason: action.reason };
      return { ...state, messages };
    }
    case 'discard':
      return { ...state, messages: state.messages.filter((m) => !(m.clientId === action.clientId && isLocal(m))) };
    case 'updated': {
      const f = action.frame;
      // A new createdAt (admin timestamp edit) moves the message: re-sort.
      return {
        ...state,
        messages: sortMessages(state.messages.map((m) =>
          m.id === f.id
            ? {
                ...m,
                content: f.content ?? f.message ?? m.content,
                username: f.username ?? m.username,
                profilePic: f.profilePic !== undefined ? f.profilePic : f.profile_pic !== undefined ? f.profile_pic : m.profilePic,
                createdAt: f.createdAt ?? m.createdAt,
                edited: true,
              }
            : m,
        )),
      };
    }
    case 'deleted':
      return { ...state, messages: state.messages.filter((m) => m.id !== action.id) };
  }
}

/** Id of the last confirmed message in history order (for `after=` resync), or null. */
export function lastConfirmedId(list: ChatMessage[]): number | null {
  let last: ChatMessage | null = null;
  for (const m of list) if (m.id !== null && (last === null || compareMessages(m, last) > 0)) last = m;
  return last?.id ?? null;
}

/** Id of the first confirmed message in history order (for `before=` paging), or null. */
export function oldestId(list: ChatMessage[]): number | null {
  let first: ChatMessage | null = null;
  for (const m of list) if (m.id !== null && (first === null || compareMessages(m, first) < 0)) first = m;
  return first?.id ?? null;
}

export function newClientId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
