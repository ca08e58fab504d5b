import { useState, type SyntheticEvent } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { login } from '@/shared/api/endpoints';
import { errorText } from '@/shared/api/errorText';
import { useSession } from '@/entities/session/context';
import { FormError } from '@/shared/ui/FormError';

export function LoginForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const { setUser } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: SyntheticEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await login(username, password);
      setUser(res.user);
      onDone();
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <FormError message={error} />
      <div className="field">
        <label htmlFor="login-username">{t('auth.username')}</label>
        <input id="login-username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
      </div>
      <div className="field">
        <label htmlFor="login-password">{t('auth.password')}</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </div>
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? t('auth.busy') : t('auth.login.submit')}
      </button>
    </form>
  );
}
