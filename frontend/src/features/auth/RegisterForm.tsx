import { useState, type SyntheticEvent } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { register } from '@/shared/api/endpoints';
import { errorText, fieldErrors } from '@/shared/api/errorText';
import { ApiError } from '@/shared/api/http';
import { useSession } from '@/entities/session/context';
import { FieldError, FormError } from '@/shared/ui/FormError';
import { PasswordRulesList } from './PasswordRulesList';

export function RegisterForm({ onDone, onCreatedNotLoggedIn, rules }: { onDone: () => void; onCreatedNotLoggedIn: () => void; rules?: string[] }) {
  const { t } = useI18n();
  const { setUser } = useSession();
  const [username, setUsername] = useState('');
  const [password1, setPassword1] = useState('');
  const [password2, setPassword2] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const mismatch = password2 !== '' && password1 !== password2;

  const onSubmit = async (e: SyntheticEvent) => {
    e.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const res = await register(username, password1, password2);
      if (res.user) {
        setUser(res.user);
        onDone();
      } else {
        onCreatedNotLoggedIn();
      }
    } catch (err) {
      setError(errorText(err, t));
      if (err instanceof ApiError) setFields(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <FormError message={error} />
      <div className="field">
        <label htmlFor="reg-username">{t('auth.username')}</label>
        <input
          id="reg-username"
          name="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          aria-invalid={fields.username !== undefined}
          aria-describedby={fields.username ? 'reg-username-error' : undefined}
          required
        />
        <FieldError id="reg-username-error" message={fields.username} />
      </div>
      <div className="field">
        <label htmlFor="reg-password1">{t('auth.password')}</label>
        <input
          id="reg-password1"
          name="password1"
          type="password"
          autoComplete="new-password"
          value={password1}
          onChange={(e) => setPassword1(e.target.value)}
          aria-describedby="password-rules"
          aria-invalid={fields.password !== undefined}
          required
        />
        <FieldError id="reg-password-error" message={fields.password} />
        <PasswordRulesList password={password1} {...(rules ? { rules } : {})} />
      </div>
      <div className="field">
        <label htmlFor="reg-password2">{t('auth.password2')}</label>
        <input
          id="reg-password2"
          name="password2"
          type="password"
          autoComplete="new-password"
          value={password2}
          onChange={(e) => setPassword2(e.target.value)}
          aria-invalid={mismatch}
          aria-describedby={mismatch ? 'reg-mismatch' : undefined}
          required
        />
        {mismatch && (
          <p id="reg-mismatch" className="field__error" role="alert">
            {t('auth.passwordsMismatch')}
          </p>
        )}
      </div>
      <button type="submit" className="button button--primary" disabled={busy || mismatch}>
        {busy ? t('auth.busy') : t('auth.register.submit')}
      </button>
    </form>
  );
}
