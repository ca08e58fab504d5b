import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { dayLabel, formatDateTime, formatTime } from '@/shared/lib/time';
import { buildTimeline } from '@/entities/message/timeline';
import type { ChatMessage } from '@/entities/message/model';
import { UserAvatar, UserLink } from '@/entities/user/UserAvatar';

export interface MessageListProps {
  messages: ChatMessage[];
  hasMore: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => Promise<number>;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
  retryDisabled: boolean;
  currentUsername: string | null;
  timeZone?: string;
}

const BOTTOM_SLACK = 60;
const TOP_TRIGGER = 80;

/** Scrollable log: upward infinite scroll keeping position, jump-to-latest with unseen count. */
export function MessageList({ messages, hasMore, loadingOlder, onLoadOlder, onRetry, onDiscard, retryDisabled, currentUsername, timeZone }: MessageListProps) {
  const { t, locale } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [showJump, setShowJump] = useState(false);
  const [unseen, setUnseen] = useState(0);
  const prev = useRef<{ first: string | null; last: string | null; keys: Set<string>; scrollHeight: number }>({
    first: null,
    last: null,
    keys: new Set(),
    scrollHeight: 0,
  });

  const items = useMemo(() => buildTimeline(messages, timeZone), [messages, timeZone]);
  const now = new Date();

  const scrollToBottom = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setShowJump(false);
    setUnseen(0);
  }, []);

  useLayoutEffect(() => {
    const el = ref.current;
    const before = prev.current;
    const first = messages[0]?.key ?? null;
    const last = messages.at(-1)?.key ?? null;
    if (el) {
      if (before.first === null && first !== null) {
        el.scrollTop = el.scrollHeight; // first render of history
      } else if (first !== before.first && before.first !== null && before.keys.has(before.first) && messages.some((m) => m.key === before.first)) {
        // Older page prepended: keep what the reader was looking at.
        el.scrollTop += el.scrollHeight - before.scrollHeight;
      }
      if (last !== before.last && before.last !== null) {
        const added = messages.filter((m) => !before.keys.has(m.key));
        const mine = added.some((m) => m.status !== 'sent' || (currentUsername !== null && m.username === currentUsername && m.clientId !== null));
        const others = added.filter((m) => m.username !== currentUsername).length;
        const appendedAtEnd = messages.findIndex((m) => m.key === before.last) < messages.length - 1;
        if (appendedAtEnd) {
          if (atBottom.current || mine) {
            el.scrollTop = el.scrollHeight;
            atBottom.current = true;
          } else if (others > 0) {
            setUnseen((n) => n + others);
            setShowJump(true);
          }
        }
      }
    }
    prev.current = { first, last, keys: new Set(messages.map((m) => m.key)), scrollHeight: el?.scrollHeight ?? 0 };
  }, [messages, currentUsername]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK;
    atBottom.current = bottom;
    setShowJump(!bottom);
    if (bottom) setUnseen(0);
    if (el.scrollTop < TOP_TRIGGER && hasMore && !loadingOlder) void onLoadOlder();
  };

  const lastIncoming = [...messages].reverse().find((m) => m.status === 'sent' && m.username !== currentUsername);

  return (
    <div className="message-list">
      <div className="message-list__scroll" ref={ref} onScroll={onScroll} role="log" aria-label={t('chat.log')} aria-live="off" tabIndex={0}>
        <div className="message-list__top">
          {hasMore ? (
            <button type="button" className="button button--link" onClick={() => void onLoadOlder()} disabled={loadingOlder}>
              {loadingOlder ? t('chat.loadingOlder') : t('chat.loadingOlder').replace('…', '')}
            </button>
          ) : messages.length > 0 ? (
            <p className="muted">{t('chat.beginning')}</p>
          ) : (
            <p className="muted">{t('chat.empty')}</p>
          )}
        </div>
        {items.map((item) =>
          item.kind === 'day' ? (
            <div key={item.key} className="day-separator" role="separator" aria-label={dayLabel(item.day, now, { today: t('chat.today'), yesterday: t('chat.yesterday') }, locale, timeZone)}>
              <span>{dayLabel(item.day, now, { today: t('chat.today'), yesterday: t('chat.yesterday') }, locale, timeZone)}</span>
            </div>
          ) : (
            <article key={item.key} className={`message-group${item.username === currentUsername ? ' message-group--own' : ''}`} data-testid="message-group">
              <div className="message-group__avatar">
                <UserAvatar username={item.username} src={item.profilePic} />
              </div>
              <div className="message-group__body">
                <header className="message-group__header">
                  <UserLink username={item.username} src={item.profilePic} showAvatar={false} />
                  {item.messages[0] && (
                    <time dateTime={item.messages[0].createdAt} title={formatDateTime(item.messages[0].createdAt, locale, timeZone)}>
                      {formatTime(item.messages[0].createdAt, locale, timeZone)}
                    </time>
                  )}
                </header>
                {item.messages.map((m) => (
                  <div key={m.key} className={`message message--${m.status}`} data-testid="message" data-status={m.status} data-id={m.id ?? ''}>
                    <p className="message__text">{m.content}</p>
                    {m.edited && <span className="muted message__meta">({t('chat.edited')})</span>}
                    {m.status === 'pending' && <span className="message__meta muted">{t('chat.pending')}</span>}
                    {m.status === 'failed' && m.clientId !== null && (
                      <span className="message__meta message__meta--failed">
                        {t('chat.failed')}
                        <button type="button" className="button button--small" disabled={retryDisabled} onClick={() => m.clientId && onRetry(m.clientId)}>
                          {t('chat.retry')}
                        </button>
                        <button type="button" className="button button--small button--link" onClick={() => m.clientId && onDiscard(m.clientId)}>
                          {t('chat.discard')}
                        </button>
                      </span>
                    )}
                  </div>
                ))}
              </div>
            </article>
          ),
        )}
      </div>
      {showJump && (
        <button type="button" className="button jump-latest" onClick={scrollToBottom}>
          {t('chat.jumpToLatest')}
          {unseen > 0 && <span className="badge">{t('chat.newMessages', { count: unseen })}</span>}
        </button>
      )}
      <div className="visually-hidden" aria-live="polite" aria-atomic="true">
        {lastIncoming ? t('chat.announce', { user: lastIncoming.username, text: lastIncoming.content }) : ''}
      </div>
    </div>
  );
}
