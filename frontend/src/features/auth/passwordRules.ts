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
