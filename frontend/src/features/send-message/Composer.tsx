import { useId, useState, type SyntheticEvent, type KeyboardEvent } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { codePointLength, trimMessage } from '@/shared/lib/text';
import { useCountdown } from '@/shared/lib/useCountdown';
import type { SendResult } from '@/entities/message/model';

export interface ComposerProps {
  onSend: (text: string) => SendResult;
  maxLength: number;
  rateLimitedUntil: number | null;
  /** Show the counter once the draft reaches this share of the limit. */
  counterThreshold?: number;
}

/** Message input: Enter sends, Shift+Enter adds a line; the draft survives rate limiting. */
export function Composer({ onSend, maxLength, rateLimitedUntil, counterThreshold = 0.8 }: ComposerProps) {
  const { t } = useI18n();
  const [draft, setDraft] = useState('');
  const id = useId();
  const seconds = useCountdown(rateLimitedUntil);
  const limited = seconds > 0;
  const length = codePointLength(trimMessage(draft));
  const over = length > maxLength;
  const showCounter = length >= Math.floor(maxLength * counterThreshold);

  const submit = () => {
    if (limited || over) return;
    const result = onSend(draft);
    if (result === 'sent' || result === 'queued') setDraft('');
  };

  const onSubmit = (e: SyntheticEvent) => {
    e.preventDefault();
    submit();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={onSubmit}>
      <label htmlFor={id} className="visually-hidden">
        {t('chat.messageLabel')}
      </label>
      <textarea
        id={id}
        className="composer__input"
        value={draft}
        rows={2}
        placeholder={t('chat.placeholder')}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKeyDown}
        aria-invalid={over}
        aria-describedby={`${id}-status`}
      />
      <div className="composer__side">
        <button type="submit" className="button button--primary" disabled={limited || over || length === 0}>
          {t('chat.send')}
        </button>
        {showCounter && (
          <span className={`composer__counter${over ? ' composer__counter--over' : ''}`} data-testid="counter">
            {t('chat.counter', { count: length, max: maxLength })}
          </span>
        )}
      </div>
      <div id={`${id}-status`} className="composer__status" role="status" aria-live="polite">
        {limited && <span className="notice notice--warn">{t('chat.rateLimited', { seconds })}</span>}
        {over && <span className="notice notice--error">{t('chat.tooLong', { max: maxLength })}</span>}
      </div>
    </form>
  );
}
