import { useState, type SyntheticEvent } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { useChatConfig } from '@/shared/config/context';
import { fieldErrors } from '@/shared/api/errorText';
import { patchMessage, type MessagePatch } from '@/shared/api/admin/endpoints';
import type { AdminMessage } from '@/shared/api/admin/schemas';
import { isoToLocalInput, localInputToMs, isoWithOffset, timestampProblem } from '@/shared/lib/localDateTime';
import { codePointLength, trimMessage } from '@/shared/lib/text';
import { Dialog } from '@/shared/ui/Dialog';
import { FieldError } from '@/shared/ui/FormError';
import { localZoneName, useErrorText } from '@/widgets/admin/format';
import { Notice } from '@/widgets/admin/parts';

export interface MessageEditorProps {
  message: AdminMessage;
  onClose: () => void;
  onSaved: (m: AdminMessage) => void;
  /** Injectable clock for tests. */
  now?: () => number;
}

/** Edit text and timestamp; the timestamp uses a native datetime-local input in the viewer's zone. */
export function MessageEditor({ message, onClose, onSaved, now = Date.now }: MessageEditorProps) {
  const { t } = useI18n();
  const { messageMaxLength } = useChatConfig();
  const describe = useErrorText();
  const initialLocal = isoToLocalInput(message.created_at);
  const [content, setContent] = useState(message.content);
  const [when, setWhen] = useState(initialLocal);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const max = isoToLocalInput(new Date(now()).toISOString());
  const min = isoToLocalInput(new Date(0).toISOString());

  const onSubmit = async (e: SyntheticEvent) => {
    e.preventDefault();
    setError(null);
    const problems: Record<string, string> = {};
    const text = trimMessage(content);
    if (text === '') problems.content = t('admin.messages.contentEmpty');
    else if (codePointLength(text) > messageMaxLength) problems.content = t('chat.tooLong', { max: messageMaxLength });
    const patch: MessagePatch = {};
    const ms = localInputToMs(when);
    // Browsers normalise the value (e.g. drop ":00" seconds), so compare instants, not strings.
    if (ms === null || ms !== localInputToMs(initialLocal)) {
      const problem = timestampProblem(ms, now());
      if (problem === 'invalid' || ms === null) problems.created_at = t('admin.messages.invalidTime');
      else if (problem === 'future') problems.created_at = t('admin.messages.future');
      else if (problem === 'before1970') problems.created_at = t('admin.messages.before1970');
      else patch.created_at = isoWithOffset(ms);
    }
    setFields(problems);
    if (Object.keys(problems).length > 0) return;
    if (content !== message.content) patch.content = content;
    if (Object.keys(patch).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    try {
      onSaved(await patchMessage(message.id, patch));
    } catch (err) {
      setError(describe(err));
      setFields(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('admin.messages.editTitle', { id: message.id })} onClose={onClose} closeLabel={t('admin.close')}>
      <p className="muted small">
        {message.username} · {message.room}
      </p>
      <form className="form" onSubmit={onSubmit} noValidate>
        <div className="field">
          <label htmlFor="message-content">{t('admin.messages.text')}</label>
          <textarea
            id="message-content"
            rows={4}
            value={content}
            onChange={(e) => setContent(e.target.value)}
            aria-invalid={fields.content ? true : undefined}
            aria-describedby={fields.content ? 'message-content-err' : undefined}
          />
          <FieldError id="message-content-err" message={fields.content} />
        </div>
        <div className="field">
          <label htmlFor="message-time">{t('admin.messages.timestamp')}</label>
          <input
            id="message-time"
            type="datetime-local"
            step={1}
            min={min}
            max={max}
            value={when}
            onChange={(e) => {
              setWhen(e.target.value);
              setFields((f) => {
                const rest = { ...f };
                delete rest.created_at;
                return rest;
              });
            }}
            aria-invalid={fields.created_at ? true : undefined}
            aria-describedby={fields.created_at ? 'message-time-err message-time-hint' : 'message-time-hint'}
          />
          <span id="message-time-hint" className="muted small">
            {t('admin.messages.timestampHint', { zone: localZoneName() })}
          </span>
          <FieldError id="message-time-err" message={fields.created_at} />
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
