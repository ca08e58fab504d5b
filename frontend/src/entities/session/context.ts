import { createContext, useContext } from 'react';
import type { User } from '@/shared/api/schemas';

export interface SessionValue {
  user: User | null;
  status: 'loading' | 'ready';
  setUser: (u: User | null) => void;
  /** Re-reads CSRF token and session; resolves to the current user. */
  refresh: () => Promise<User | null>;
  logout: () => Promise<void>;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}
