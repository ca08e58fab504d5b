import { Link, Navigate, useNavigate } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { useSession } from '@/entities/session/context';
import { RegisterForm } from '@/features/auth/RegisterForm';

export function RegisterPage() {
  const { t } = useI18n();
  const { user, status } = useSession();
  const navigate = useNavigate();
  if (status === 'ready' && user) return <Navigate to="/" replace />;
  return (
    <div className="narrow">
      <h1 className="page-title">{t('auth.register.title')}</h1>
      <RegisterForm onDone={() => navigate('/', { replace: true })} onCreatedNotLoggedIn={() => navigate('/login?registered=1')} />
      <p>
        {t('auth.register.haveAccount')} <Link to="/login">{t('nav.login')}</Link>
      </p>
    </div>
  );
}
