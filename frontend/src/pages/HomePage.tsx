import { useEffect } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { useChatConfig } from '@/shared/config/context';
import { PUBLIC_SLUG } from '@/shared/lib/slug';
import { useSession } from '@/entities/session/context';
import { Conversation } from '@/widgets/conversation/Conversation';
import { OnlineList } from '@/widgets/presence/OnlineList';
import { CreateRoomButton, JoinRoomForm, RecentRooms } from '@/features/rooms/RoomTools';

export function HomePage() {
  const { t } = useI18n();
  const { user } = useSession();
  const { publicRoomName } = useChatConfig();
  const title = publicRoomName ?? t('nav.home');
  useEffect(() => {
    document.title = `${title} · EchoChat`;
  }, [title]);
  return (
    <div className="chat-layout">
      <div className="chat-layout__main">
        <h1 className="page-title">{title}</h1>
        <Conversation slug={PUBLIC_SLUG} />
      </div>
      <aside className="chat-layout__side">
        <OnlineList />
        <section className="panel" aria-labelledby="rooms-title">
          <h2 id="rooms-title" className="panel__title">
            {t('rooms.title')}
          </h2>
          {user ? (
            <>
              <CreateRoomButton />
              <JoinRoomForm />
              <RecentRooms />
            </>
          ) : (
            <p className="muted">{t('rooms.needLogin')}</p>
          )}
        </section>
      </aside>
    </div>
  );
}
