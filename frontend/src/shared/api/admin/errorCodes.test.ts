import { describe, expect, it } from 'vitest';
import { ApiError } from '../http';
import { errorText } from '../errorText';
import { translate, type Lang } from '@/shared/i18n/messages';

const ADMIN_CODES = [
  'staff_required',
  'superuser_required',
  'last_superuser',
  'confirm_required',
  'filter_required',
  'invalid_filter',
  'public_room',
  'not_found',
  'validation_failed',
] as const;

describe('admin error codes are localised', () => {
  for (const lang of ['en', 'ru'] as Lang[]) {
    it(`every admin code has its own ${lang} text, not the server text or JSON`, () => {
      const t = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate(lang, k, p);
      const seen = new Set<string>();
      for (const code of ADMIN_CODES) {
        const err = new ApiError('http', 400, { error: `server said ${code}`, errors: { x: ['{"raw": true}'] }, code });
        const text = errorText(err, t);
        expect(text).not.toContain('server said');
        expect(text).not.toContain('{');
        expect(text).toBe(translate(lang, `code.${code}`));
        seen.add(text);
      }
      // not_found and staff_required may share wording with older keys, but all admin texts are distinct
      expect(seen.size).toBe(ADMIN_CODES.length);
    });
  }

  it('Russian differs from English', () => {
    expect(translate('ru', 'code.superuser_required')).not.toBe(translate('en', 'code.superuser_required'));
    expect(translate('ru', 'code.last_superuser')).toMatch(/суперпользователь/);
  });
});
