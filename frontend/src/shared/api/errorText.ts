import { ApiError } from './http';
import type { ErrorBody } from './schemas';
import { isMessageKey, type TFunction } from '../i18n/messages';

export const DEFAULT_UPLOAD_MAX_MB = 20;

/** Flattens `errors` (api.md §0: all messages of all fields joined by one space). */
export function flattenErrors(errors: ErrorBody['errors']): string {
  if (!errors) return '';
  const out: string[] = [];
  for (const v of Object.values(errors)) {
    if (Array.isArray(v)) out.push(...v.filter((s) => s.trim() !== ''));
    else if (v.trim() !== '') out.push(v);
  }
  return out.join(' ');
}

/** First message per field, for showing next to form inputs. */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError) || !err.body?.errors) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(err.body.errors)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first) out[k] = first;
  }
  return out;
}

export interface ErrorTextOptions {
  uploadMaxMb?: number;
  messageMaxLength?: number;
}

/** Text that looks like markup or JSON is never shown to the user. */
function presentable(s: string | undefined): string | null {
  if (!s) return null;
  const trimmed = s.trim();
  if (!trimmed) return null;
  if (/^\s*[<{[]/.test(trimmed)) return null;
  return trimmed;
}

/**
 * Turns any error into one readable, localised sentence:
 * known P2 `code` → our translation; else `errors` flattened; else `error`; else `detail`;
 * else a status-based text. Never raw HTML/JSON.
 */
export function errorText(err: unknown, t: TFunction, opts: ErrorTextOptions = {}): string {
  const max = opts.uploadMaxMb ?? DEFAULT_UPLOAD_MAX_MB;
  const params = { max, status: 0 };
  if (!(err instanceof ApiError)) return t('err.generic');
  if (err.kind === 'network') return t('err.network');
  if (err.kind === 'timeout') return t('err.timeout');
  if (err.kind === 'contract') return t('err.contract');
  const body = err.body;
  const code = body?.code;
  if (code) {
    const key = `code.${code}`;
    if (isMessageKey(key)) {
      return t(key, { max: key === 'code.message_too_long' ? (opts.messageMaxLength ?? 1000) : max });
    }
  }
  if (err.status === 413) return t('err.tooLarge', params);
  const server = presentable(flattenErrors(body?.errors)) ?? presentable(body?.error) ?? presentable(body?.detail);
  if (server) return server;
  switch (err.status) {
    case 401:
      return t('err.unauthorized');
    case 403:
      return t('err.forbidden');
    case 404:
      return t('err.notFound');
    default:
      return err.status >= 500 ? t('err.server', { status: err.status }) : t('err.generic');
  }
}
