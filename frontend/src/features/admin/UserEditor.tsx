import { useState, type SyntheticEvent } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { useChatConfig } from '@/shared/config/context';
import { fieldErrors } from '@/shared/api/errorText';
import { patchUser, setUserPassword, uploadUserAvatar, type UserPatch } from '@/shared/api/admin/endpoints';
import type { AdminUser } from '@/shared/api/admin/schemas';
import type { User } from '@/shared/api/schemas';
import { Dialog } from '@/shared/ui/Dialog';
import { FieldError } from '@/shared/ui/FormError';
import { UserAvatar } from '@/entities/user/UserAvatar';
import { AVATAR_TYPES, checkAvatar } from '@/features/profile-edit/avatar';
import { formatStamp, useErrorText } from '@/widgets/admin/format';
import { Notice } from '@/widgets/admin/parts';
import { userDiff } from './userDiff';

export interface UserEditorProps {
  user: AdminUser;
  /** The signed-in staff member (flag changes and deletion need `is_superuser`). */
  viewer: User;
  onClose: () => void;
  onChanged: (u: AdminUser) => void;
  onDelete: (u: AdminUser) => void;
}

export function UserEditor({ user, viewer, onClose, onChanged, onDelete }: UserEditorProps) {
  const { t, locale } = useI18n();
  const { uploadMaxMb } = useChatConfig();
  const describe = useErrorText();
  const canFlags = viewer.is_superuser;
  const [draft, setDraft] = useState<Required<UserPatch>>({
    username: user.username,
    email: user.email,
    bio: user.bio,
    is_active: user.is_active,
    is_staff: user.is_staff,
    is_superuser: user.is_superuser,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [pw1, setPw1] = useState('');
  const [pw2, setPw2] = useState('');
  const [pwError, setPwError] = useState<string | null>(null);
  const [pwDone, setPwDone] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [avatarDone, setAvatarDone] = useState(false);
  const set = <K extends keyof UserPatch>(k: K, v: Required<UserPatch>[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const pre = `admin-user-${user.id}`;

  const onSave = async (e: SyntheticEvent) => {
    e.preventDefault();
    setError(null);
    setFields({});
    setSaved(null);
    const patch = userDiff(user, draft);
    if (Object.keys(patch).length === 0) {
      setSaved(t('admin.users.noChanges'));
      return;
    }
    setBusy(true);
    try {
      const updated = await patchUser(user.id, patch);
      setSaved(t('admin.users.saved'));
      onChanged(updated);
    } catch (err) {
      setError(describe(err));
      setFields(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  };

  const onPassword = async (e: SyntheticEvent) => {
    e.preventDefault();
    setPwError(null);
    setPwDone(false);
    if (!pw1) {
      setPwError(t('code.password_required'));
      return;
    }
    if (pw1 !== pw2) {
      setPwError(t('auth.passwordsMismatch'));
      return;
    }
    setBusy(true);
    try {
      await setUserPassword(user.id, pw1, pw2);
      setPw1('');
      setPw2('');
      setPwDone(true);
    } catch (err) {
      const f = fieldErrors(err);
      setPwError([describe(err), ...Object.values(f)].join(' '));
    } finally {
      setBusy(false);
    }
  };

  const onAvatar = async (e: SyntheticEvent) => {
    e.preventDefault();
    setFileError(null);
    setAvatarDone(false);
    if (!file) return;
    const problem = checkAvatar(file, uploadMaxMb);
    if (problem) {
      setFileError(problem === 'type' ? t('profile.avatarType') : t('profile.avatarSize', { max: uploadMaxMb }));
      return;
    }
    setBusy(true);
    try {
      const updated = await uploadUserAvatar(user.id, file);
      setAvatarDone(true);
      setFile(null);
      onChanged(updated);
    } catch (err) {
      setFileError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const stamp = (iso: string | null) => (iso ? formatStamp(iso, locale) : t('admin.never'));

  return (
    <Dialog title={t('admin.users.editTitle', { user: user.username })} onClose={onClose} closeLabel={t('admin.close')} wide>
      <form className="form" onSubmit={onSave} noValidate>
        <div className="field">
          <label htmlFor={`${pre}-username`}>{t('admin.users.username')}</label>
          <input
            id={`${pre}-username`}
            value={draft.username}
            onChange={(e) => set('username', e.target.value)}
            aria-invalid={fields.username ? true : undefined}
            aria-describedby={fields.username ? `${pre}-username-err` : undefined}
            autoComplete="off"
          />
          <FieldError id={`${pre}-username-err`} message={fields.username} />
        </div>
        <div className="field">
          <label htmlFor={`${pre}-email`}>{t('admin.users.email')}</label>
          <input
            id={`${pre}-email`}
            type="email"
            value={draft.email}
            onChange={(e) => set('email', e.target.value)}
            aria-invalid={fields.email ? true : undefined}
            aria-describedby={fields.email ? `${pre}-email-err` : undefined}
          />
          <FieldError id={`${pre}-email-err`} message={fields.email} />
        </div>
        <div className="field">
          <label htmlFor={`${pre}-bio`}>{t('admin.users.bio')}</label>
          <textarea id={`${pre}-bio`} rows={3} value={draft.bio} onChange={(e) => set('bio', e.target.value)} aria-invalid={fields.bio ? true : undefined} />
          <FieldError id={`${pre}-bio-err`} message={fields.bio} />
        </div>
        <fieldset className="checks">
          <label>
            <input type="checkbox" checked={draft.is_active} onChange={(e) => set('is_active', e.target.checked)} /> {t('admin.users.active')}
          </label>
          <label>
            <input
              type="checkbox"
              checked={draft.is_staff}
              disabled={!canFlags}
              aria-describedby={canFlags ? undefined : `${pre}-flags-hint`}
              onChange={(e) => set('is_staff', e.target.checked)}
            />{' '}
            {t('admin.users.staff')}
          </label>
          <label>
            <input
              type="checkbox"
              checked={draft.is_superuser}
              disabled={!canFlags}
              aria-describedby={canFlags ? undefined : `${pre}-flags-hint`}
              onChange={(e) => set('is_superuser', e.target.checked)}
            />{' '}
            {t('admin.users.superuser')}
          </label>
          {!canFlags && (
            <p id={`${pre}-flags-hint`} className="muted small">
              {t('admin.users.flagsSuperuserOnly')}
            </p>
          )}
        </fieldset>
        <dl className="facts">
          <dt>{t('admin.users.joined')}</dt>
          <dd>{stamp(user.date_joined)}</dd>
          <dt>{t('admin.users.lastLogin')}</dt>
          <dd>{stamp(user.last_login)}</dd>
          <dt>{t('admin.users.lastSeen')}</dt>
          <dd>{stamp(user.last_seen)}</dd>
        </dl>
        <Notice kind="error">{error}</Notice>
        <Notice kind="ok">{saved}</Notice>
        <div className="dialog__actions">
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? t('admin.saving') : t('admin.save')}
          </button>
        </div>
      </form>

      <form className="form dialog__section" onSubmit={onPassword} noValidate>
        <h3 className="panel__subtitle">{t('admin.users.passwordTitle')}</h3>
        <div className="field">
          <label htmlFor={`${pre}-pw1`}>{t('auth.password')}</label>
          <input id={`${pre}-pw1`} type="password" autoComplete="new-password" value={pw1} onChange={(e) => setPw1(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${pre}-pw2`}>{t('auth.password2')}</label>
          <input id={`${pre}-pw2`} type="password" autoComplete="new-password" value={pw2} onChange={(e) => setPw2(e.target.value)} />
        </div>
        <Notice kind="error">{pwError}</Notice>
        <Notice kind="ok">{pwDone ? t('admin.users.passwordDone') : null}</Notice>
        <div className="dialog__actions">
          <button type="submit" className="button" disabled={busy}>
            {t('admin.users.passwordSubmit')}
          </button>
        </div>
      </form>

      <form className="form dialog__section" onSubmit={onAvatar} noValidate>
        <h3 className="panel__subtitle">{t('admin.users.avatarTitle')}</h3>
        <div className="avatar-edit">
          <UserAvatar username={user.username} src={user.profileImage} size={64} />
          <div className="field">
            <label htmlFor={`${pre}-avatar`}>{t('admin.users.avatarUpload')}</label>
            <input
              id={`${pre}-avatar`}
              type="file"
              accept={AVATAR_TYPES.join(',')}
              onChange={(e) => {
                setFileError(null);
                setFile(e.target.files?.[0] ?? null);
              }}
            />
            <span className="muted small">{t('profile.avatarHint', { max: uploadMaxMb })}</span>
          </div>
        </div>
        <Notice kind="error">{fileError}</Notice>
        <Notice kind="ok">{avatarDone ? t('admin.users.avatarDone') : null}</Notice>
        <div className="dialog__actions">
          <button type="submit" className="button" disabled={busy || !file}>
            {t('admin.users.avatarUpload')}
          </button>
        </div>
      </form>

      <div className="dialog__section dialog__danger">
        {viewer.is_superuser ? (
          <button type="button" className="button button--danger" onClick={() => onDelete(user)}>
            {t('admin.users.deleteTitle')}
          </button>
        ) : (
          <p className="muted small">{t('admin.users.deleteSuperuserOnly')}</p>
        )}
      </div>
    </Dialog>
  );
}
