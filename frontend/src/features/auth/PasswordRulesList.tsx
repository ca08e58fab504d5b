import { useEffect, useState } from 'react';
import { useI18n } from '@/shared/i18n/context';
import { fetchPasswordRules } from '@/shared/api/endpoints';
import { checkRule, ruleMessage } from './passwordRules';

/** Server password rules, in the page's language when the text is a known one, with live feedback where the browser can check. */
export function PasswordRulesList({ password, rules: given }: { password: string; rules?: string[] }) {
  const { t } = useI18n();
  const [rules, setRules] = useState<string[] | null>(given ?? null);
  useEffect(() => {
    if (given) return;
    let alive = true;
    fetchPasswordRules()
      .then((r) => {
        if (alive) setRules(r);
      })
      .catch(() => {
        if (alive) setRules([]);
      });
    return () => {
      alive = false;
    };
  }, [given]);
  if (!rules || rules.length === 0) return null;
  return (
    <div className="password-rules" id="password-rules">
      <p className="password-rules__title">{t('auth.rules.title')}</p>
      <ul>
        {rules.map((rule) => {
          const state = checkRule(rule, password);
          const message = ruleMessage(rule);
          const text = message ? t(message.key, message.params) : rule;
          return (
            <li key={rule} className={`rule rule--${state}`} data-state={state}>
              <span aria-hidden="true">{state === 'ok' ? '✓' : state === 'fail' ? '✗' : '•'}</span> {text}{' '}
              <span className="visually-hidden">
                ({state === 'ok' ? t('auth.rules.ok') : state === 'fail' ? t('auth.rules.notYet') : t('auth.rules.serverChecked')})
              </span>
            </li>
          );
        })}
      </ul>
      {rules.some((r) => checkRule(r, password) === 'server') && <p className="muted small">{t('auth.rules.serverChecked')}</p>}
    </div>
  );
}
