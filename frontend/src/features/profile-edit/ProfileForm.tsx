import { useEffect, useState, type SyntheticEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { useChatConfig } from '@/shared/config/context';
import { saveProfile } from '@/shared/api/endpoints';
import { ApiError } from '@/shared/api/http';
import { errorText, fieldErrors } from '@/shared/api/errorText';
import type { User } from '@/shared/api/schemas';
import { codePointLength } from '@/shared/lib/text';
import { FieldError, FormError } from '@/shared/ui/FormError';
import { UserAvatar } from '@/entities/user/UserAvatar';
import { useSession } from '@/entities/session/context';
import { AVATAR_TYPES, checkAvatar } from './avatar';

export const BIO_MAX = 1000;

export function ProfileForm({ user }: { user: User }) {
  const { t } = useI18n();
  const { uploadMaxMb } = useChatConfig();
  const { setUser } = useSession();
  const navigate = useNavigate();
  const [username, setUsername] = useState(user.username);
  const [email, setEmail] = useState(user.email);
  const [bio, setBio] = useState(user.bio);
  const [image, setImage] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const bioLength = codePointLength(bio.trim());
  const bioOver = bioLength > BIO_MAX;

  useEffect(() => {
    if (!image) {
      setPreview(null);
      return;
    }
    const url = URL.createObjectURL(image);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [image]);

  const onFile = (file: File | null) => {
    setFileProblem(null);
    if (!file) {
      setImage(null);
      return;
    }
    const problem = checkAvatar(file, uploadMaxMb);
    if (problem) {
      setImage(null);
      setFileProblem(problem === 'type' ? t('profile.avatarType') : t('profile.avatarSize', { max: uploadMaxMb }));
      return;
    }
    setImage(file);
  };

  const onSubmit = async (e: SyntheticEvent) => {
    e.preventDefault();
    if (bioOver || fileProblem) return;
    setBusy(true);
    setError(null);
    setFields({});
    setSaved(false);
    try {
      const updated = await saveProfile({ username, email, bio, image });
      setUser(updated);
      setImage(null);
      setSaved(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setUser(null);
        void navigate('/login?next=/profile');
        return;
      }
      const f = fieldErrors(err);
      setFields(f);
      // Field messages are shown next to inputs; the summary covers the rest.
      setError(errorText(err, t, { uploadMaxMb }));
    } finally {
      setBusy(false);
    }
  };

  const general = fields.non_field_errors ?? fields.__all__;

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <FormError message={error} />
      {general && <FormError message={general} />}
      {saved && (
        <p className="notice notice--ok" role="status">
          {t('profile.saved')}
        </p>
      )}
      <div className="field field--avatar">
        <span className="field__label" id="avatar-label">
          {t('profile.avatar')}
        </span>
        <div className="avatar-edit">
          {preview ? <img className="avatar avatar--large" src={preview} alt={t('profile.avatarPreview')} /> : <UserAvatar username={user.username} src={user.profileImage} size={96} />}
          <div>
            <input
              id="profile-image"
              type="file"
              name="image"
              accept={AVATAR_TYPES.join(',')}
              aria-labelledby="avatar-label"
              aria-describedby="avatar-hint"
              onChange={(e) => onFile(e.target.files?.[0] ?? null)}
            />
            <p id="avatar-hint" className="muted small">
              {t('profile.avatarHint', { max: uploadMaxMb })}
            </p>
            <FieldError id="avatar-error" message={fileProblem ?? fields.image} />
          </div>
        </div>
      </div>
      <div className="field">
        <label htmlFor="profile-username">{t('auth.username')}</label>
        <input
          id="profile-username"
          name="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          aria-invalid={fields.username !== undefined}
          aria-describedby={fields.username ? 'profile-username-error' : undefined}
          required
        />
        <FieldError id="profile-username-error" message={fields.username} />
      </div>
      <div className="field">
        <label htmlFor="profile-email">{t('profile.email')}</label>
        <input
          id="profile-email"
          name="email"
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={fields.email !== undefined}
          aria-describedby={fields.email ? 'profile-email-error' : undefined}
        />
        <FieldError id="profile-email-error" message={fields.email} />
      </div>
      <div className="field">
        <label htmlFor="profile-bio">{t('profile.bio')}</label>
        <textarea
          id="profile-bio"
          name="bio"
          rows={5}
          value={bio}
          onChange={(e) => setBio(e.target.value)}
          aria-invalid={bioOver || fields.bio !== undefined}
          aria-describedby="profile-bio-counter"
        />
        <p id="profile-bio-counter" className={`small ${bioOver ? 'field__error' : 'muted'}`} aria-live="polite" data-testid="bio-counter">
          {t('profile.bioCounter', { count: bioLength, max: BIO_MAX })}
          {bioOver && ` — ${t('profile.bioTooLong', { max: BIO_MAX })}`}
        </p>
        <FieldError id="profile-bio-error" message={fields.bio} />
      </div>
      <button type="submit" className="button button--primary" disabled={busy || bioOver || fileProblem !== null}>
        {busy ? t('profile.saving') : t('profile.save')}
      </button>
    </form>
  );
}
