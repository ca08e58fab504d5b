import { useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { fetchUser } from '@/shared/api/endpoints';
import { ApiError } from '@/shared/api/http';
import { errorText } from '@/shared/api/errorText';
import type { User } from '@/shared/api/schemas';
import { formatDate, formatDateTime } from '@/shared/lib/time';
import { UserAvatar } from '@/entities/user/UserAvatar';

export function UserPage() {
  const { username = '' } = useParams();
  const { t, locale } = useI18n();
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let alive = true;
    setUser(null);
    setError(null);
    fetchUser(username)
      .then((u) => {
        if (alive) setUser(u);
      })
      .catch((e: unknown) => {
        if (alive) setError(e);
      });
    return () => {
      alive = false;
    };
  }, [username]);

  if (error !== null) {
    return (
      <div className="narrow">
        <p className="notice notice--error" role="alert">
          {error instanceof ApiError && error.status === 404 ? t('profile.notFound') : errorText(error, t)}
        </p>
      </div>
    );
  }
  if (!user) return <p role="status">{t('app.loading')}</p>;
  return (
    <div className="narrow profile-card">
      <UserAvatar username={user.username} src={user.profileImage} size={120} />
      <h1 className="page-title">{user.username}</h1>
      {user.registeredAt && <p className="muted">{t('profile.registered', { date: formatDate(user.registeredAt, locale) })}</p>}
      {user.lastSeen && <p className="muted">{t('profile.lastSeen', { date: formatDateTime(user.lastSeen, locale) })}</p>}
      <p className="profile-card__bio">{user.bio || <span className="muted">{t('profile.noBio')}</span>}</p>
    </div>
  );
}
