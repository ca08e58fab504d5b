import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, ReconnectingSocket, type SocketStatus } from './socket';
import { FakeSocket, fakeSocketFactory } from '@/test/render';
import { buildWsUrl } from './wsUrl';

afterEach(() => {
  vi.useRealTimers();
  FakeSocket.reset();
});

describe('back-off (websocket.md §1)', () => {
  it('min(10 s, 0.6 s·2^n) + 0–200 ms', () => {
    expect(backoffDelay(0, () => 0)).toBe(600);
    expect(backoffDelay(1, () => 0)).toBe(1200);
    expect(backoffDelay(3, () => 0.5)).toBe(4900);
    expect(backoffDelay(10, () => 0.999)).toBe(10_199);
  });
});

describe('ReconnectingSocket', () => {
  it('reconnects after a drop, resets the counter on open, gives up after maxAttempts', () => {
    vi.useFakeTimers();
    const statuses: SocketStatus[] = [];
    const opens: boolean[] = [];
    const sock = new ReconnectingSocket({
      url: 'ws://x/ws/chat/public/',
      factory: fakeSocketFactory,
      random: () => 0,
      maxAttempts: 2,
      onMessage: () => undefined,
      onOpen: ({ reconnected }) => opens.push(reconnected),
      onStatus: (s) => statuses.push(s),
    });
    sock.start();
    FakeSocket.last().open();
    FakeSocket.last().drop();
    expect(sock.status).toBe('reconnecting');
    vi.advanceTimersByTime(599);
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(2);
    FakeSocket.last().open();
    expect(opens).toEqual([false, true]);
    // two failed attempts, then give up
    FakeSocket.last().drop();
    vi.advanceTimersByTime(600);
    FakeSocket.last().drop();
    vi.advanceTimersByTime(1200);
    FakeSocket.last().drop();
    expect(sock.status).toBe('failed');
    expect(statuses).toContain('failed');
    sock.reconnectNow();
    expect(FakeSocket.instances).toHaveLength(5);
  });

  it('lets onClose stop reconnecting (4401) and stop() closes without reconnect', () => {
    vi.useFakeTimers();
    const sock = new ReconnectingSocket({ url: 'ws://x/', factory: fakeSocketFactory, onMessage: () => undefined, onClose: ({ code }) => (code === 4401 ? 'stop' : undefined) });
    sock.start();
    FakeSocket.last().open();
    FakeSocket.last().drop(4401);
    vi.advanceTimersByTime(20_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(sock.status).toBe('stopped');
  });

  it('send only works while open', () => {
    const sock = new ReconnectingSocket({ url: 'ws://x/', factory: fakeSocketFactory, onMessage: () => undefined });
    sock.start();
    expect(sock.send('a')).toBe(false);
    FakeSocket.last().open();
    expect(sock.send('b')).toBe(true);
    expect(FakeSocket.last().sent).toEqual(['b']);
    sock.stop(1000);
    expect(FakeSocket.last().closedWith).toBe(1000);
  });
});

describe('buildWsUrl', () => {
  it('uses the page origin: ws for http, wss for https, never a fixed port', () => {
    expect(buildWsUrl('/ws/presence/', { protocol: 'http:', host: 'localhost:5173' })).toBe('ws://localhost:5173/ws/presence/');
    expect(buildWsUrl('/ws/chat/public/', { protocol: 'https:', host: 'chat.example' })).toBe('wss://chat.example/ws/chat/public/');
  });
});
