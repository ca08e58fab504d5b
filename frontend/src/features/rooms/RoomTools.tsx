import { useId, useState, type SyntheticEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { useChatConfig } from '@/shared/config/context';
import { errorText } from '@/shared/api/errorText';
import { PUBLIC_SLUG } from '@/shared/lib/slug';
import { validateSlug } from './validateSlug';
import { FormError } from '@/shared/ui/FormError';
import { forgetRooms, loadRecentRooms, type RecentRoom } from '@/entities/room/recentRooms';
import { createRoom, RoomCreationFailed } from './createRoom';

/** Join by code with live validation against the server's slug regex. */
export function JoinRoomForm() {
  const { t } = useI18n();
  const { slugRule } = useChatConfig();
  const navigate = useNavigate();
  const id = useId();
  const [value, setValue] = useState('');
  const validity = validateSlug(value, slugRule);

  const onSubmit = (e: SyntheticEvent) => {
    e.preventDefault();
    if (validity !== 'valid') return;
    void navigate(value === PUBLIC_SLUG ? '/' : `/rooms/${encodeURIComponent(value)}`);
  };

  return (
    <form className="form form--inline" onSubmit={onSubmit} noValidate>
      <label htmlFor={id}>{t('rooms.joinLabel')}</label>
      <div className="form__row">
        <input
          id={id}
          name="slug"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={validity === 'invalid'}
          aria-describedby={`${id}-hint`}
        />
        <button type="submit" className="button" disabled={validity !== 'valid'}>
          {t('rooms.join')}
        </button>
      </div>
      <p id={`${id}-hint`} className={`small ${validity === 'invalid' ? 'field__error' : 'muted'}`} aria-live="polite" data-testid="slug-hint">
        {validity === 'invalid'
          ? slugRule.fromServer
            ? t('rooms.slugInvalidCustom', { rule: slugRule.source })
            : t('rooms.slugInvalid')
          : validity === 'valid'
            ? t('rooms.slugOk')
            : t('rooms.joinHint')}
      </p>
    </form>
  );
}

export function CreateRoomButton() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const onClick = async () => {
    setBusy(true);
    setError(null);
    try {
      const room = await createRoom();
      void navigate(`/rooms/${encodeURIComponent(room.slug)}`);
    } catch (e) {
      setError(e instanceof RoomCreationFailed ? t('rooms.createFailed') : errorText(e, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <button type="button" className="button button--primary" onClick={() => void onClick()} disabled={busy}>
        {busy ? t('rooms.creating') : t('rooms.create')}
      </button>
      <FormError message={error} />
    </div>
  );
}

export function RecentRooms() {
  const { t } = useI18n();
  const [rooms, setRooms] = useState<RecentRoom[]>(() => loadRecentRooms());
  if (rooms.length === 0) return null;
  return (
    <div className="recent-rooms">
      <h3 className="panel__subtitle">{t('rooms.recent')}</h3>
      <ul>
        {rooms.map((r) => (
          <li key={r.slug}>
            <Link to={`/rooms/${encodeURIComponent(r.slug)}`}>{r.title}</Link> <code className="muted small">{r.slug}</code>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="button button--link button--small"
        onClick={() => {
          forgetRooms();
          setRooms([]);
        }}
      >
        {t('rooms.clearRecent')}
      </button>
    </div>
  );
}
