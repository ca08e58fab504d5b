import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { fetchCsrf, fetchSession, logout as apiLogout } from '@/shared/api/endpoints';
import type { User } from '@/shared/api/schemas';
import { SessionContext, type SessionValue } from './context';

/** Loads CSRF token then session on start (api.md §2.3) and keeps the current user. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [status, setStatus] = useState<SessionValue['status']>('loading');

  const refresh = useCallback(async () => {
    try {
      await fetchCsrf();
      const s = await fetchSession();
      setUser(s.user);
      return s.user;
    } catch {
      // Unreachable server: stay a guest; pages show their own errors.
      setUser(null);
      return null;
    } finally {
      setStatus('ready');
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const logout = useCallback(async () => {
    try {
      await apiLogout();
    } finally {
      setUser(null);
      await refresh();
    }
  }, [refresh]);

  const value = useMemo<SessionValue>(() => ({ user, status, setUser, refresh, logout }), [user, status, refresh, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
