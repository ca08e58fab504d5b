import { Navigate } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { useSession } from '@/entities/session/context';
import { ProfileForm } from '@/features/profile-edit/ProfileForm';
import { formatDate } from '@/shared/lib/time';

export function ProfilePage() {
  const { t, locale } = useI18n();
  const { user, status } = useSession();
  if (status === 'loading') return <p role="status">{t('app.loading')}</p>;
  if (!user) return <Navigate to="/login?next=/profile" replace />;
  return (
    <div className="narrow">
      <h1 className="page-title">{t('profile.title')}</h1>
      {user.registeredAt && <p className="muted">{t('profile.registered', { date: formatDate(user.registeredAt, locale) })}</p>}
      <ProfileForm key={user.username} user={user} />
    </div>
  );
}
