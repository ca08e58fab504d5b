import { Navigate } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { useSession } from '@/entities/session/context';

/** Placeholder until the admin screens land; visible to staff only (P3). */
export function AdminPage() {
  const { t } = useI18n();
  const { user, status } = useSession();
  if (status === 'loading') return <p role="status">{t('app.loading')}</p>;
  if (!user) return <Navigate to="/login?next=/admin" replace />;
  if (!user.is_staff) {
    return (
      <div className="narrow">
        <p className="notice notice--error" role="alert">
          {t('admin.denied')}
        </p>
      </div>
    );
  }
  return (
    <div className="narrow">
      <h1 className="page-title">{t('admin.title')}</h1>
      <p>{t('admin.coming')}</p>
    </div>
  );
}
