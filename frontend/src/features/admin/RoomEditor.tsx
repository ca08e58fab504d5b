import { useState, type SyntheticEvent } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { fieldErrors } from '@/shared/api/errorText';
import { patchRoom, type RoomPatch } from '@/shared/api/admin/endpoints';
import type { AdminRoom } from '@/shared/api/admin/schemas';
import { codePointLength } from '@/shared/lib/text';
import { Dialog } from '@/shared/ui/Dialog';
import { FieldError } from '@/shared/ui/FormError';
import { useErrorText } from '@/widgets/admin/format';
import { Notice } from '@/widgets/admin/parts';

export const ROOM_NAME_MAX = 150;

export function RoomEditor({ room, onClose, onSaved }: { room: AdminRoom; onClose: () => void; onSaved: (r: AdminRoom) => void }) {
  const { t } = useI18n();
  const describe = useErrorText();
  const [name, setName] = useState(room.name);
  const [owner, setOwner] = useState(room.owner ?? '');
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: SyntheticEvent) => {
    e.preventDefault();
    setError(null);
    setFields({});
    const n = name.trim();
    if (codePointLength(n) < 1 || codePointLength(n) > ROOM_NAME_MAX) {
      setFields({ name: t('admin.rooms.nameInvalid') });
      return;
    }
    const patch: RoomPatch = {};
    if (n !== room.name) patch.name = n;
    const o = owner.trim() === '' ? null : owner.trim();
    if (o !== room.owner) patch.owner = o;
    if (Object.keys(patch).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    try {
      onSaved(await patchRoom(room.id, patch));
    } catch (err) {
      setError(describe(err));
      setFields(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('admin.rooms.editTitle', { room: room.slug })} onClose={onClose} closeLabel={t('admin.close')}>
      <form className="form" onSubmit={onSubmit} noValidate>
        <div className="field">
          <label htmlFor="room-name">{t('admin.rooms.name')}</label>
          <input
            id="room-name"
            value={name}
            maxLength={ROOM_NAME_MAX * 2}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={fields.name ? true : undefined}
            aria-describedby={fields.name ? 'room-name-err' : undefined}
          />
          <FieldError id="room-name-err" message={fields.name} />
        </div>
        <div className="field">
          <label htmlFor="room-owner">{t('admin.rooms.owner')}</label>
          <input
            id="room-owner"
            value={owner}
            autoComplete="off"
            onChange={(e) => setOwner(e.target.value)}
            aria-invalid={fields.owner ? true : undefined}
            aria-describedby={fields.owner ? 'room-owner-err room-owner-hint' : 'room-owner-hint'}
          />
          <span id="room-owner-hint" className="muted small">
            {t('admin.rooms.ownerHint')}
          </span>
          <FieldError id="room-owner-err" message={fields.owner} />
        </div>
        <Notice kind="error">{error}</Notice>
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onClose}>
            {t('admin.cancel')}
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? t('admin.saving') : t('admin.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
