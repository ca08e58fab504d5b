import { useI18n } from '@/shared/i18n/context';
import { LANGS, type Lang } from '@/shared/i18n/messages';

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang-switch">
      <span className="visually-hidden">{t('lang.label')}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} aria-label={t('lang.label')}>
        {LANGS.map((l) => (
          <option key={l} value={l}>
            {t(l === 'en' ? 'lang.en' : 'lang.ru')}
          </option>
        ))}
      </select>
    </label>
  );
}
