import { describe, expect, it } from 'vitest';
import { ApiError } from './http';
import { errorText, fieldErrors, flattenErrors } from './errorText';
import { translate, type MessageKey, type TParams } from '../i18n/messages';

const tEn = (k: MessageKey, p?: TParams) => translate('en', k, p);
const tRu = (k: MessageKey, p?: TParams) => translate('ru', k, p);
const http = (status: number, body: ApiError['body']) => new ApiError('http', status, body);

describe('errorText', () => {
  it('prefers a translation keyed by the P2 code', () => {
    const err = http(400, { error: 'Неверный логин или пароль', errors: { credentials: ['Неверный логин или пароль'] }, code: 'invalid_credentials' });
    expect(errorText(err, tEn)).toBe('Wrong username or password.');
    expect(errorText(err, tRu)).toBe('Неверный логин или пароль.');
  });

  it('falls back to `errors` flattened and joined with one space, when the code is unknown', () => {
    const err = http(400, { error: 'Пароль слишком слабый', errors: { username: ['A', 'B'], password: ['C'] }, code: 'something_new' });
    expect(errorText(err, tEn)).toBe('A B C');
  });

  it('then `error`, then `detail`', () => {
    expect(errorText(http(400, { error: 'Invalid room slug' }), tEn)).toBe('Invalid room slug');
    expect(errorText(http(403, { detail: 'CSRF verification failed.' }), tEn)).toBe('CSRF verification failed.');
  });

  it('never shows raw HTML or JSON; uses a status text instead', () => {
    expect(errorText(http(403, null), tEn)).toBe(tEn('err.forbidden'));
    expect(errorText(http(500, { error: '<html><body>Server Error</body></html>' }), tEn)).toBe('Server error (500). Please try again later.');
    expect(errorText(http(502, { detail: '{"oops": 1}' }), tRu)).toBe('Ошибка сервера (502). Попробуйте позже.');
  });

  it('413 → file too big with the limit', () => {
    expect(errorText(http(413, null), tEn, { uploadMaxMb: 20 })).toBe('The file is too big (max 20 MB).');
    expect(errorText(http(413, null), tRu, { uploadMaxMb: 5 })).toBe('Файл слишком большой (не более 5 МБ).');
  });

  it('network, timeout, contract and unknown errors', () => {
    expect(errorText(new ApiError('network', 0, null), tEn)).toBe(tEn('err.network'));
    expect(errorText(new ApiError('timeout', 0, null), tEn)).toBe(tEn('err.timeout'));
    expect(errorText(new ApiError('contract', 200, null), tEn)).toBe(tEn('err.contract'));
    expect(errorText(new Error('x'), tEn)).toBe(tEn('err.generic'));
  });

  it('field errors take the first message per field', () => {
    const err = http(400, { errors: { username: ['Обязательное поле.', 'второе'], bio: ['длинно'] } });
    expect(fieldErrors(err)).toEqual({ username: 'Обязательное поле.', bio: 'длинно' });
    expect(flattenErrors({ a: ['x'], b: 'y' })).toBe('x y');
  });
});
