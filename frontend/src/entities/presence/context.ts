import { createContext, useContext } from 'react';
import type { PresenceState } from './usePresence';

export const PresenceContext = createContext<PresenceState>({ online: null, guests: 0, status: 'connecting' });

export function usePresenceState(): PresenceState {
  return useContext(PresenceContext);
}
