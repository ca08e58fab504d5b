import { useEffect, useState } from 'react';
import { parsePresenceFrame, type PresenceUser, type User } from '@/shared/api/schemas';
import { ReconnectingSocket, type SocketStatus, type WebSocketFactory } from '@/shared/lib/socket';
import { buildWsUrl } from '@/shared/lib/wsUrl';

export const PRESENCE_PING_MS = 20_000;

export interface PresenceState {
  online: PresenceUser[] | null;
  guests: number;
  status: SocketStatus;
}

/** Replaces the viewer's own entry avatar with the one from the session (websocket.md §3.4). */
export function withOwnAvatar(online: PresenceUser[], me: User | null): PresenceUser[] {
  if (!me) return online;
  return online.map((u) => (u.username === me.username ? { ...u, profileImage: me.profileImage } : u));
}

/** /ws/presence/: ping on open and every 20 s; `?auth=` forces a new socket when login state changes. */
export function usePresence(user: User | null, factory?: WebSocketFactory, onRevoked?: () => void): PresenceState {
  const authed = user !== null;
  const [state, setState] = useState<PresenceState>({ online: null, guests: 0, status: 'connecting' });

  useEffect(() => {
    let ping: ReturnType<typeof setInterval> | null = null;
    setState({ online: null, guests: 0, status: 'connecting' });
    const sendPing = () => sock.send(JSON.stringify({ type: 'ping', ts: Date.now() }));
    const sock = new ReconnectingSocket({
      url: buildWsUrl(`/ws/presence/?auth=${authed ? '1' : '0'}`),
      ...(factory ? { factory } : {}),
      onStatus: (status) => setState((s) => ({ ...s, status })),
      onOpen: () => {
        sendPing();
        if (ping) clearInterval(ping);
        ping = setInterval(sendPing, PRESENCE_PING_MS);
      },
      onMessage: (raw) => {
        const f = parsePresenceFrame(raw);
        if (!f) return;
        setState((s) => ({
          ...s,
          online: f.online ?? (authed ? s.online : null),
          guests: f.guests ?? s.guests,
        }));
      },
      onClose: ({ code }) => {
        if (ping) clearInterval(ping);
        ping = null;
        if (code === 4401) {
          onRevoked?.();
          return 'stop';
        }
        return undefined;
      },
    });
    sock.start();
    const onUnload = () => sock.stop(1001);
    window.addEventListener('pagehide', onUnload);
    return () => {
      window.removeEventListener('pagehide', onUnload);
      if (ping) clearInterval(ping);
      sock.stop();
    };
  }, [authed, factory, onRevoked]);

  return state;
}
