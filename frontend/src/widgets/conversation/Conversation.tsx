import { Link } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { useChatConfig } from '@/shared/config/context';
import { errorText } from '@/shared/api/errorText';
import type { WebSocketFactory } from '@/shared/lib/socket';
import { useSession } from '@/entities/session/context';
import { Composer } from '@/features/send-message/Composer';
import { MessageList } from './MessageList';
import { useChatRoom } from './useChatRoom';

export interface ConversationProps {
  slug: string;
  socketFactory?: WebSocketFactory;
  timeZone?: string;
}

/** One room: history, live updates, connection banner and the composer (or a sign-in prompt). */
export function Conversation({ slug, socketFactory, timeZone }: ConversationProps) {
  const { t } = useI18n();
  const { user, refresh } = useSession();
  const config = useChatConfig();
  const room = useChatRoom({
    slug,
    user,
    messageMaxLength: config.messageMaxLength,
    onRevoked: refresh,
    ...(socketFactory ? { socketFactory } : {}),
  });
  const rateLimited = room.rateLimitedUntil !== null && room.rateLimitedUntil > Date.now();

  return (
    <section className="conversation" aria-label={t('chat.log')}>
      {room.status === 'reconnecting' && (
        <div className="banner banner--warn" role="status" data-testid="reconnecting">
          {t('chat.reconnecting')}
        </div>
      )}
      {room.status === 'failed' && (
        <div className="banner banner--error" role="alert">
          {t('chat.disconnected')}{' '}
          <button type="button" className="button button--small" onClick={room.reconnectNow}>
            {t('chat.reconnectNow')}
          </button>
        </div>
      )}
      {room.revoked && !user && (
        <div className="banner banner--info" role="status">
          {t('chat.sessionRevoked')}
        </div>
      )}
      {room.historyError !== null && (
        <div className="banner banner--error" role="alert">
          {t('chat.historyError')} {errorText(room.historyError, t)}
        </div>
      )}
      <MessageList
        messages={room.state.messages}
        hasMore={room.state.hasMore}
        loadingOlder={room.loadingOlder}
        onLoadOlder={room.loadOlder}
        onRetry={room.retry}
        onDiscard={room.discard}
        retryDisabled={rateLimited}
        currentUsername={user?.username ?? null}
        {...(timeZone !== undefined ? { timeZone } : {})}
      />
      {room.tooLongNotice && (
        <p className="notice notice--error" role="alert">
          {t('chat.tooLong', { max: config.messageMaxLength })}
        </p>
      )}
      {user ? (
        <Composer onSend={room.send} maxLength={config.messageMaxLength} rateLimitedUntil={room.rateLimitedUntil} />
      ) : (
        <p className="sign-in-prompt" data-testid="sign-in-prompt">
          {t('chat.signInToWrite')} <Link to="/login">{t('chat.signInLink')}</Link> · <Link to="/register">{t('chat.registerLink')}</Link>
        </p>
      )}
    </section>
  );
}
