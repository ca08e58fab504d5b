import { useCallback } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { useChatConfig } from '@/shared/config/context';
import { errorText } from '@/shared/api/errorText';

/** Date + time with seconds in the viewer's zone (P17); '' for null/invalid. */
export function formatStamp(iso: string | null, locale: string, timeZone?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'medium' }).format(d);
}

export function localZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** `errorText` bound to the current language and server limits. */
export function useErrorText(): (err: unknown) => string {
  const { t } = useI18n();
  const { uploadMaxMb, messageMaxLength } = useChatConfig();
  return useCallback((err: unknown) => errorText(err, t, { uploadMaxMb, messageMaxLength }), [t, uploadMaxMb, messageMaxLength]);
}

export type Tri = '' | 'true' | 'false';
export function triToBool(v: Tri): boolean | null {
  return v === '' ? null : v === 'true';
}
