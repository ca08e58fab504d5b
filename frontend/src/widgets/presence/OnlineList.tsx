import { useI18n } from '@/shared/i18n/context';
import { useSession } from '@/entities/session/context';
import { usePresenceState } from '@/entities/presence/context';
import { withOwnAvatar } from '@/entities/presence/usePresence';
import { UserLink } from '@/entities/user/UserAvatar';

/** Who is online (users only see names when signed in) and the guest count. */
export function OnlineList() {
  const { t } = useI18n();
  const { user } = useSession();
  const { online, guests } = usePresenceState();
  const list = online ? withOwnAvatar(online, user) : null;
  return (
    <section className="panel online-list" aria-labelledby="online-title">
      <h2 id="online-title" className="panel__title">
        {t('presence.title')}
      </h2>
      <div aria-live="polite">
        {user === null ? (
          <p className="muted">{t('presence.signInToSee')}</p>
        ) : list && list.length > 0 ? (
          <ul className="online-list__users" data-testid="online-users">
            {list.map((u) => (
              <li key={u.username}>
                <UserLink username={u.username} src={u.profileImage} size={28} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{t('presence.nobody')}</p>
        )}
        <p className="online-list__guests" data-testid="guest-count">
          {t('presence.guests', { count: guests })}
        </p>
      </div>
    </section>
  );
}
