import { Navigate, NavLink, Route, Routes } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { useSession } from '@/entities/session/context';
import { UsersAdmin } from '@/widgets/admin/UsersAdmin';
import { RoomsAdmin } from '@/widgets/admin/RoomsAdmin';
import { MessagesAdmin } from '@/widgets/admin/MessagesAdmin';
import { AuditLog } from '@/widgets/admin/AuditLog';

/** Staff administration (issue 7, P16): users, rooms, messages and the audit log. */
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
  const tabs = [
    ['users', t('admin.tab.users')],
    ['rooms', t('admin.tab.rooms')],
    ['messages', t('admin.tab.messages')],
    ['audit', t('admin.tab.audit')],
  ] as const;
  return (
    <div className="admin">
      <h1 className="page-title">{t('admin.title')}</h1>
      <nav className="admin-tabs" aria-label={t('admin.nav')}>
        {tabs.map(([path, label]) => (
          <NavLink key={path} to={`/admin/${path}`} className={({ isActive }) => `admin-tabs__tab${isActive ? ' active' : ''}`}>
            {label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<Navigate to="users" replace />} />
        <Route path="users" element={<UsersAdmin />} />
        <Route path="rooms" element={<RoomsAdmin />} />
        <Route path="messages" element={<MessagesAdmin />} />
        <Route path="audit" element={<AuditLog />} />
        <Route path="*" element={<Navigate to="users" replace />} />
      </Routes>
    </div>
  );
}
