import { useState, type SyntheticEvent } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { fieldErrors } from '@/shared/api/errorText';
import { createUser } from '@/shared/api/admin/endpoints';
import type { AdminUser } from '@/shared/api/admin/schemas';
import { Dialog } from '@/shared/ui/Dialog';
import { FieldError } from '@/shared/ui/FormError';
import { useErrorText } from '@/widgets/admin/format';
import { Notice } from '@/widgets/admin/parts';

export function CreateUserDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (u: AdminUser) => void }) {
  const { t } = useI18n();
  const describe = useErrorText();
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [pw1, setPw1] = useState('');
  const [pw2, setPw2] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: SyntheticEvent) => {
    e.preventDefault();
    setError(null);
    setFields({});
    if (!username.trim()) {
      setFields({ username: t('code.username_required') });
      return;
    }
    if (!pw1) {
      setFields({ password1: t('code.password_required') });
      return;
    }
    if (pw1 !== pw2) {
      setFields({ password2: t('auth.passwordsMismatch') });
      return;
    }
    setBusy(true);
    try {
      const u = await createUser({ username: username.trim(), password1: pw1, password2: pw2, email: email.trim() });
      onCreated(u);
    } catch (err) {
      setError(describe(err));
      setFields(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  };

  const input = (id: string, label: string, value: string, onChange: (v: string) => void, type = 'text', autoComplete = 'off') => (
    <div className="field">
      <label htmlFor={`new-user-${id}`}>{label}</label>
      <input
        id={`new-user-${id}`}
        type={type}
        value={value}
        autoComplete={autoComplete}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={fields[id] ? true : undefined}
        aria-describedby={fields[id] ? `new-user-${id}-err` : undefined}
      />
      <FieldError id={`new-user-${id}-err`} message={fields[id]} />
    </div>
  );

  return (
    <Dialog title={t('admin.users.create')} onClose={onClose} closeLabel={t('admin.close')}>
      <form className="form" onSubmit={onSubmit} noValidate>
        {input('username', t('admin.users.username'), username, setUsername)}
        {input('email', t('admin.users.email'), email, setEmail, 'email')}
        {input('password1', t('auth.password'), pw1, setPw1, 'password', 'new-password')}
        {input('password2', t('auth.password2'), pw2, setPw2, 'password', 'new-password')}
        <Notice kind="error">{error}</Notice>
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onClose}>
            {t('admin.cancel')}
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {t('admin.users.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
