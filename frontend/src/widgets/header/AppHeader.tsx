import { Link, NavLink, useNavigate } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { useSession } from '@/entities/session/context';
import { UserAvatar } from '@/entities/user/UserAvatar';
import { LanguageSwitch } from '@/features/language/LanguageSwitch';

export function AppHeader() {
  const { t } = useI18n();
  const { user, status, logout } = useSession();
  const navigate = useNavigate();
  return (
    <header className="app-header">
      <Link to="/" className="app-header__brand">
        {t('app.title')}
      </Link>
      <nav aria-label={t('nav.main')} className="app-header__nav">
        <NavLink to="/" end>
          {t('nav.home')}
        </NavLink>
        {user?.is_staff === true && <NavLink to="/admin">{t('nav.admin')}</NavLink>}
        {status === 'ready' && !user && (
          <>
            <NavLink to="/login">{t('nav.login')}</NavLink>
            <NavLink to="/register">{t('nav.register')}</NavLink>
          </>
        )}
        {user && (
          <>
            <NavLink to="/profile" className="app-header__me" data-testid="me">
              <UserAvatar username={user.username} src={user.profileImage} size={24} />
              <span>{user.username}</span>
            </NavLink>
            <button
              type="button"
              className="button button--link"
              onClick={() => {
                void logout().then(() => navigate('/'));
              }}
            >
              {t('nav.logout')}
            </button>
          </>
        )}
      </nav>
      <LanguageSwitch />
    </header>
  );
}
