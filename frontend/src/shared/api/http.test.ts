import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchCsrf, login, logout, fetchMessages } from './endpoints';
import { ApiError, readCookie, setCsrfToken } from './http';
import { stubFetch } from '@/test/render';

afterEach(() => {
  setCsrfToken(null);
  vi.unstubAllGlobals();
});

const user = { username: 'alice', email: '', profileImage: null, bio: '', registeredAt: null };

describe('HTTP client', () => {
  it('fetches a fresh CSRF token before login and sends it with credentials; logout works right after', async () => {
    let n = 0;
    const { fn, calls } = stubFetch({
      '/api/auth/csrf/': () => ({ body: { csrfToken: `token${++n}`.padEnd(64, 'x') } }),
      '/api/auth/login/': () => ({ body: { authenticated: true, user } }),
      '/api/auth/logout/': () => ({ body: { ok: true } }),
    });
    vi.stubGlobal('fetch', fn);
    await fetchCsrf();
    const res = await login('alice', 'secret');
    expect(res.user?.username).toBe('alice');
    await logout();
    const loginCall = calls.find((c) => c.url === '/api/auth/login/');
    const headers = loginCall?.init?.headers as Record<string, string>;
    expect(headers['X-CSRFToken']).toBe('token2'.padEnd(64, 'x'));
    expect(headers['Content-Type']).toBe('application/json');
    expect(loginCall?.init?.credentials).toBe('include');
    expect(JSON.parse(loginCall?.init?.body as string)).toEqual({ username: 'alice', password: 'secret' });
    const logoutCall = calls.find((c) => c.url === '/api/auth/logout/');
    expect((logoutCall?.init?.headers as Record<string, string>)['X-CSRFToken']).toBe('token2'.padEnd(64, 'x'));
  });

  it('GET requests carry no CSRF header; history query uses before/after/limit', async () => {
    const { fn, calls } = stubFetch({ '/api/chat/rooms/': () => ({ body: { messages: [] } }) });
    vi.stubGlobal('fetch', fn);
    setCsrfToken('t'.repeat(32));
    await fetchMessages('abc', { after: 41, limit: 200 });
    expect(calls[0]?.url).toBe('/api/chat/rooms/abc/messages/?limit=200&after=41');
    expect((calls[0]?.init?.headers as Record<string, string>)['X-CSRFToken']).toBeUndefined();
  });

  it('turns an error status into ApiError with the parsed body; HTML bodies become null', async () => {
    const { fn } = stubFetch({
      '/api/auth/login/': () => ({ status: 400, body: { error: 'Неверный логин или пароль', code: 'invalid_credentials' } }),
      '/api/auth/csrf/': () => ({ status: 403, body: '<html>CSRF</html>' }),
    });
    vi.stubGlobal('fetch', fn);
    await expect(fetchCsrf()).rejects.toMatchObject({ status: 403, body: null });
    setCsrfToken('t'.repeat(32));
    const err = await fetch('/api/auth/login/')
      .then(() => login('a', 'b'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
  });

  it('reads the csrftoken cookie as a fallback', () => {
    expect(readCookie('csrftoken', 'a=1; csrftoken=abc; b=2')).toBe('abc');
    expect(readCookie('csrftoken', 'a=1')).toBeNull();
  });
});
