import { useCallback, type ReactNode } from 'react';
import { useSession } from '@/entities/session/context';
import type { WebSocketFactory } from '@/shared/lib/socket';
import { PresenceContext } from './context';
import { usePresence } from './usePresence';

export function PresenceProvider({ children, factory }: { children: ReactNode; factory?: WebSocketFactory }) {
  const { user, refresh } = useSession();
  const onRevoked = useCallback(() => void refresh(), [refresh]);
  const state = usePresence(user, factory, onRevoked);
  return <PresenceContext.Provider value={state}>{children}</PresenceContext.Provider>;
}
