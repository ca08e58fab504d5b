import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { useSession } from '@/entities/session/context';
import { LoginForm } from '@/features/auth/LoginForm';
import { safeNext } from '@/shared/lib/nav';

export function LoginPage() {
  const { t } = useI18n();
  const { user, status } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  if (status === 'ready' && user) return <Navigate to={next} replace />;
  return (
    <div className="narrow">
      <h1 className="page-title">{t('auth.login.title')}</h1>
      {params.get('registered') === '1' && (
        <p className="notice notice--ok" role="status">
          {t('auth.register.createdNotLoggedIn')}
        </p>
      )}
      <LoginForm onDone={() => navigate(next, { replace: true })} />
      <p>
        {t('auth.login.noAccount')} <Link to="/register">{t('nav.register')}</Link>
      </p>
    </div>
  );
}
