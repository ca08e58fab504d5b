import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { translate, type Lang, type MessageKey, type TParams } from './messages';
import { LANG_STORAGE_KEY, detectLanguage } from './detect';
import { storage } from '../lib/storage';
import { I18nContext, type I18nValue } from './context';

export function I18nProvider({ children, initialLang }: { children: ReactNode; initialLang?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => initialLang ?? detectLanguage());
  const setLang = useCallback((next: Lang) => {
    storage.set(LANG_STORAGE_KEY, next);
    setLangState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18nValue>(
    () => ({
      lang,
      setLang,
      locale: lang === 'ru' ? 'ru-RU' : 'en-GB',
      t: (key: MessageKey, params?: TParams) => translate(lang, key, params),
    }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

