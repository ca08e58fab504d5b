import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { I18nProvider } from './I18nProvider';
import { useI18n } from './context';
import { detectLanguage, LANG_STORAGE_KEY } from './detect';
import { en, ru } from './messages';
import { LanguageSwitch } from '@/features/language/LanguageSwitch';

function Probe() {
  const { t } = useI18n();
  return <p data-testid="probe">{t('chat.signInToWrite')}</p>;
}

describe('i18n', () => {
  it('detects the browser language, defaulting to English', () => {
    expect(detectLanguage(['ru-RU', 'en'])).toBe('ru');
    expect(detectLanguage(['de-DE', 'en-US'])).toBe('en');
    expect(detectLanguage(['fr'])).toBe('en');
  });

  it('a remembered choice wins over the browser language', () => {
    window.localStorage.setItem(LANG_STORAGE_KEY, 'ru');
    expect(detectLanguage(['en-US'])).toBe('ru');
  });

  it('switches language live, remembers it and sets <html lang>', () => {
    render(
      <I18nProvider initialLang="en">
        <LanguageSwitch />
        <Probe />
      </I18nProvider>,
    );
    expect(screen.getByTestId('probe')).toHaveTextContent('Sign in to write messages.');
    fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'ru' } });
    expect(screen.getByTestId('probe')).toHaveTextContent('Войдите, чтобы писать сообщения.');
    expect(window.localStorage.getItem(LANG_STORAGE_KEY)).toBe('ru');
    expect(document.documentElement.lang).toBe('ru');
  });

  it('both dictionaries define the same keys with non-empty texts', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const v of Object.values(ru)) expect(v.trim()).not.toBe('');
  });
});
