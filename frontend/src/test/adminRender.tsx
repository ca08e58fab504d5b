import { Route, Routes } from 'react-router-dom';
import { vi } from 'vitest';
import { AdminPage } from '@/pages/AdminPage';
import type { User } from '@/shared/api/schemas';
import type { Lang } from '@/shared/i18n/messages';
import { alice, renderApp, stubFetch } from './render';

export const staff: User = { ...alice, username: 'mod', is_staff: true, is_superuser: false };
export const root: User = { ...alice, username: 'root', is_staff: true, is_superuser: true };

type Handler = Parameters<typeof stubFetch>[0][string];

/** Renders the admin page at `route` with a fetch stub; `/api/auth/csrf/` is always answered. */
export function renderAdmin(route: string, routes: Record<string, Handler>, opts: { user?: User; lang?: Lang } = {}) {
  const stub = stubFetch({ '/api/auth/csrf/': () => ({ body: { csrfToken: 'c'.repeat(64) } }), ...routes });
  vi.stubGlobal('fetch', stub.fn);
  const view = renderApp(
    <Routes>
      <Route path="/admin/*" element={<AdminPage />} />
    </Routes>,
    { user: opts.user ?? staff, route, lang: opts.lang ?? 'en' },
  );
  return { ...view, calls: stub.calls };
}

export const page = <T,>(results: T[], count = results.length, pageNo = 1) => ({ results, count, page: pageNo, page_size: 50 });

/** URLs of calls with the given method (GET when init has none). */
export function urls(calls: { url: string; init: RequestInit | undefined }[], method = 'GET', prefix = '/api/admin/'): string[] {
  return calls.filter((c) => (c.init?.method ?? 'GET') === method && c.url.startsWith(prefix)).map((c) => c.url);
}
