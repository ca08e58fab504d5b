import type { MessageKey, TParams } from '@/shared/i18n/messages';
import { codePointLength } from '@/shared/lib/text';

export type RuleState = 'ok' | 'fail' | 'server';

/**
 * Minimum length stated by a rule text ("…как минимум 8 символов.", "…at least 8 characters"),
 * or null when the rule cannot be checked in the browser.
 */
export function minLengthOf(rule: string): number | null {
  const m = /(?:минимум|не менее|at least|minimum(?: of)?)\s+(\d+)\s*(?:символ|character|char)/iu.exec(rule);
  return m?.[1] ? Number(m[1]) : null;
}

/** Only length rules are checkable client-side; the rest is left to the server. */
export function checkRule(rule: string, password: string): RuleState {
  const min = minLengthOf(rule);
  if (min === null) return 'server';
  return codePointLength(password) >= min ? 'ok' : 'fail';
}

/** The server's rule texts are fixed Russian strings (api.md §4.7); these are the ones it sends. */
const KNOWN_RULES: ReadonlyArray<readonly [string, MessageKey]> = [
  ['Пароль не должен быть слишком похож на другую вашу личную информацию.', 'auth.rules.similar'],
  ['Пароль не должен быть слишком простым и распространенным.', 'auth.rules.common'],
  ['Пароль не может состоять только из цифр.', 'auth.rules.numeric'],
];

/**
 * The UI string for a server rule text, so an English page does not show Russian help;
 * null for a text this client does not know, which is then shown as the server sent it.
 */
export function ruleMessage(rule: string): { key: MessageKey; params?: TParams } | null {
  const known = KNOWN_RULES.find(([text]) => text === rule);
  if (known) return { key: known[1] };
  const min = minLengthOf(rule);
  if (min !== null && rule === `Ваш пароль должен содержать как минимум ${min} символов.`) {
    return { key: 'auth.rules.minLength', params: { n: min } };
  }
  return null;
}
