import { useCallback, useEffect, useLayoutEffect, useReducer, useRef, useState } from 'react';
import { fetchMessages } from '@/shared/api/endpoints';
import { parseChatFrame, retryAfterSeconds } from '@/shared/api/schemas';
import { ReconnectingSocket, type SocketStatus, type WebSocketFactory } from '@/shared/lib/socket';
import { buildWsUrl } from '@/shared/lib/wsUrl';
import { codePointLength, trimMessage } from '@/shared/lib/text';
import {
  conversationReducer,
  emptyConversation,
  lastConfirmedId,
  newClientId,
  oldestId,
  type ConversationState,
  type SendResult,
} from '@/entities/message/model';
import type { User } from '@/shared/api/schemas';

export type { SendResult };

export const PAGE_SIZE = 50;
export const RESYNC_PAGE = 200;
export const SEND_TIMEOUT_MS = 15_000;

export interface UseChatRoomOptions {
  slug: string;
  user: User | null;
  messageMaxLength: number;
  /** Called on close code 4401 (session revoked); should refetch the session. */
  onRevoked: () => Promise<unknown>;
  socketFactory?: WebSocketFactory;
}


export interface ChatRoom {
  state: ConversationState;
  status: SocketStatus;
  historyError: unknown;
  loadingOlder: boolean;
  rateLimitedUntil: number | null;
  tooLongNotice: boolean;
  revoked: boolean;
  loadOlder: () => Promise<number>;
  send: (text: string) => SendResult;
  retry: (clientId: string) => void;
  discard: (clientId: string) => void;
  reconnectNow: () => void;
}

/** History + live socket + resync + optimistic sends for one room. */
export function useChatRoom({ slug, user, messageMaxLength, onRevoked, socketFactory }: UseChatRoomOptions): ChatRoom {
  const [state, dispatch] = useReducer(conversationReducer, emptyConversation);
  const stateRef = useRef(state);
  useLayoutEffect(() => {
    stateRef.current = state;
  }, [state]);

  const [status, setStatus] = useState<SocketStatus>('connecting');
  const [historyError, setHistoryError] = useState<unknown>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [rateLimitedUntil, setRateLimitedUntil] = useState<number | null>(null);
  const [tooLongNotice, setTooLongNotice] = useState(false);
  const [revoked, setRevoked] = useState(false);
  const [epoch, setEpoch] = useState(0);
  const socketRef = useRef<ReconnectingSocket | null>(null);
  const sentAt = useRef(new Map<string, number>());
  const username = user?.username ?? null;

  const transmit = useCallback((clientId: string, content: string): boolean => {
    const sock = socketRef.current;
    sentAt.current.set(clientId, Date.now());
    return sock ? sock.send(JSON.stringify({ message: content, client_id: clientId })) : false;
  }, []);

  // History first, then the socket; every open re-syncs what was missed (P8).
  useEffect(() => {
    dispatch({ type: 'reset' });
    setHistoryError(null);
    setStatus('connecting');
    const controller = new AbortController();
    let sock: ReconnectingSocket | null = null;
    const live = { current: true };

    const resync = async () => {
      const after = lastConfirmedId(stateRef.current.messages);
      try {
        if (after === null) {
          const page = await fetchMessages(slug, { limit: PAGE_SIZE, signal: controller.signal });
          if (live.current) dispatch({ type: 'history', messages: page.messages, hasMore: page.hasMore ?? page.messages.length >= PAGE_SIZE });
          return;
        }
        let cursor = after;
        for (let i = 0; i < 10 && live.current; i += 1) {
          const page = await fetchMessages(slug, { after: cursor, limit: RESYNC_PAGE, signal: controller.signal });
          dispatch({ type: 'resync', messages: page.messages });
          const last = page.messages.at(-1);
          if (!last || (page.hasMore === undefined ? page.messages.length < RESYNC_PAGE : !page.hasMore)) break;
          cursor = last.id;
        }
      } catch {
        /* next reconnect retries; the banner already tells the user */
      }
    };

    const flushPending = () => {
      for (const m of stateRef.current.messages) {
        if (m.status === 'pending' && m.clientId) transmit(m.clientId, m.content);
      }
    };

    fetchMessages(slug, { limit: PAGE_SIZE, signal: controller.signal })
      .then((page) => {
        if (!live.current) return;
        dispatch({ type: 'history', messages: page.messages, hasMore: page.hasMore ?? page.messages.length >= PAGE_SIZE });
      })
      .catch((e: unknown) => {
        if (live.current) setHistoryError(e);
      })
      .finally(() => {
        if (!live.current) return;
        sock = new ReconnectingSocket({
          url: buildWsUrl(`/ws/chat/${encodeURIComponent(slug)}/`),
          ...(socketFactory ? { factory: socketFactory } : {}),
          onStatus: (s) => {
            if (live.current) setStatus(s);
          },
          onOpen: () => {
            void resync().then(() => {
              if (live.current) flushPending();
            });
          },
          onMessage: (raw) => {
            const parsed = parseChatFrame(raw);
            if (!parsed) return;
            switch (parsed.kind) {
              case 'message':
                if (parsed.frame.room !== undefined && parsed.frame.room !== slug) return;
                if (parsed.frame.client_id) sentAt.current.delete(parsed.frame.client_id);
                dispatch({ type: 'frame', frame: parsed.frame });
                return;
              case 'error':
                if (parsed.frame.error === 'rate_limited') {
                  setRateLimitedUntil(Date.now() + retryAfterSeconds(parsed.frame) * 1000);
                  dispatch({ type: 'failOldestPending', reason: 'rate_limited' });
                } else {
                  setTooLongNotice(true);
                  dispatch({ type: 'failOldestPending', reason: 'too_long' });
                }
                return;
              case 'updated':
                dispatch({ type: 'updated', frame: parsed.frame });
                return;
              case 'deleted':
                dispatch({ type: 'deleted', id: parsed.frame.id });
                return;
            }
          },
          onClose: ({ code }) => {
            if (code !== 4401) return undefined;
            setRevoked(true);
            void onRevoked().then(() => {
              if (live.current) setEpoch((e) => e + 1);
            });
            return 'stop';
          },
        });
        socketRef.current = sock;
        sock.start();
      });

    return () => {
      live.current = false;
      controller.abort();
      sock?.stop(1000);
      socketRef.current = null;
    };
    // `username` is a dependency on purpose: identity is frozen at handshake, so reconnect on login/logout.
  }, [slug, username, epoch, socketFactory, onRevoked, transmit]);

  // Pending messages without an echo fail after a while (or at once when the socket gave up).
  useEffect(() => {
    const timer = setInterval(() => {
      const now = Date.now();
      for (const m of stateRef.current.messages) {
        if (m.status !== 'pending' || !m.clientId) continue;
        const at = sentAt.current.get(m.clientId) ?? now;
        if (status === 'failed') dispatch({ type: 'failed', clientId: m.clientId, reason: 'offline' });
        else if (status === 'open' && now - at > SEND_TIMEOUT_MS) dispatch({ type: 'failed', clientId: m.clientId, reason: 'timeout' });
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [status]);

  useEffect(() => {
    if (rateLimitedUntil === null) return;
    const ms = rateLimitedUntil - Date.now();
    const timer = setTimeout(() => setRateLimitedUntil(null), Math.max(0, ms));
    return () => clearTimeout(timer);
  }, [rateLimitedUntil]);

  const loadOlder = useCallback(async (): Promise<number> => {
    const before = oldestId(stateRef.current.messages);
    if (before === null || !stateRef.current.hasMore) return 0;
    setLoadingOlder(true);
    try {
      const page = await fetchMessages(slug, { limit: PAGE_SIZE, before });
      dispatch({ type: 'older', messages: page.messages, hasMore: page.hasMore ?? page.messages.length >= PAGE_SIZE });
      return page.messages.length;
    } catch (e) {
      setHistoryError(e);
      return 0;
    } finally {
      setLoadingOlder(false);
    }
  }, [slug]);

  const send = useCallback(
    (text: string): SendResult => {
      if (username === null) return 'guest';
      const content = trimMessage(text);
      if (!content) return 'empty';
      if (codePointLength(content) > messageMaxLength) return 'too_long';
      if (rateLimitedUntil !== null && rateLimitedUntil > Date.now()) return 'rate_limited';
      setTooLongNotice(false);
      const clientId = newClientId();
      dispatch({ type: 'send', clientId, username: username, profilePic: user?.profileImage ?? null, content, now: new Date().toISOString() });
      return transmit(clientId, content) ? 'sent' : 'queued';
    },
    [messageMaxLength, rateLimitedUntil, transmit, user?.profileImage, username],
  );

  const retry = useCallback(
    (clientId: string) => {
      if (rateLimitedUntil !== null && rateLimitedUntil > Date.now()) return;
      const m = stateRef.current.messages.find((x) => x.clientId === clientId);
      if (!m) return;
      dispatch({ type: 'retry', clientId });
      transmit(clientId, m.content);
    },
    [rateLimitedUntil, transmit],
  );

  const discard = useCallback((clientId: string) => {
    sentAt.current.delete(clientId);
    dispatch({ type: 'discard', clientId });
  }, []);

  const reconnectNow = useCallback(() => socketRef.current?.reconnectNow(), []);

  return { state, status, historyError, loadingOlder, rateLimitedUntil, tooLongNotice, revoked, loadOlder, send, retry, discard, reconnectNow };
}
