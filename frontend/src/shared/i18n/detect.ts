import { LANGS, type Lang } from './messages';
import { storage } from '../lib/storage';

export const LANG_STORAGE_KEY = 'echochat.lang';

/** Remembered choice first, then the browser's preferred languages, then English. */
export function detectLanguage(languages: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages): Lang {
  const saved = storage.get(LANG_STORAGE_KEY);
  if (saved && (LANGS as readonly string[]).includes(saved)) return saved as Lang;
  for (const l of languages) {
    const base = l.toLowerCase().split('-')[0];
    if (base && (LANGS as readonly string[]).includes(base)) return base as Lang;
  }
  return 'en';
}

