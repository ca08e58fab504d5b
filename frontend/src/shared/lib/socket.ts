/**
 * A WebSocket that reconnects with the back-off of websocket.md §1:
 * delay = min(10 s, 0.6 s · 2^n) + 0–200 ms, up to `maxAttempts` tries,
 * counter reset on every successful open.
 */

export type SocketStatus = 'connecting' | 'open' | 'reconnecting' | 'failed' | 'stopped';

export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export interface ReconnectingSocketOptions {
  url: string;
  onMessage: (data: string) => void;
  /** `reconnected` is true for every open after the first one. */
  onOpen?: (info: { reconnected: boolean }) => void;
  /** Return 'stop' to prevent the automatic reconnect (e.g. 4401 handling). */
  onClose?: (info: { code: number }) => 'stop' | undefined;
  onStatus?: (status: SocketStatus) => void;
  maxAttempts?: number;
  factory?: WebSocketFactory;
  random?: () => number;
}

export const OPEN = 1;

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  return Math.min(10_000, 600 * 2 ** attempt) + Math.floor(random() * 200);
}

export class ReconnectingSocket {
  private ws: WebSocketLike | null = null;
  private attempt = 0;
  private opens = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private _status: SocketStatus = 'connecting';
  private readonly opts: ReconnectingSocketOptions;

  constructor(opts: ReconnectingSocketOptions) {
    this.opts = opts;
  }

  get status(): SocketStatus {
    return this._status;
  }

  private setStatus(s: SocketStatus) {
    if (this._status === s) return;
    this._status = s;
    this.opts.onStatus?.(s);
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  private connect(): void {
    const factory = this.opts.factory ?? ((url: string) => new WebSocket(url));
    let ws: WebSocketLike;
    try {
      ws = factory(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.opens += 1;
      this.setStatus('open');
      this.opts.onOpen?.({ reconnected: this.opens > 1 });
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws !== ws) return;
      if (typeof ev.data === 'string') this.opts.onMessage(ev.data);
    };
    ws.onerror = () => {
      /* a close event always follows */
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      const decision = this.opts.onClose?.({ code: ev.code });
      if (decision === 'stop' || this.isStopped()) {
        this.setStatus('stopped');
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    const max = this.opts.maxAttempts ?? 8;
    if (this.attempt >= max) {
      this.setStatus('failed');
      return;
    }
    this.setStatus('reconnecting');
    const delay = backoffDelay(this.attempt, this.opts.random);
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  /** Manual "reconnect now" (after giving up, or to skip the wait). */
  reconnectNow(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    if (this.ws) return;
    this.setStatus('reconnecting');
    this.connect();
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  isOpen(): boolean {
    return this.ws !== null && this.ws.readyState === OPEN;
  }

  send(data: string): boolean {
    if (!this.ws || this.ws.readyState !== OPEN) return false;
    this.ws.send(data);
    return true;
  }

  stop(code?: number): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      try {
        if (code === undefined) ws.close();
        else ws.close(code);
      } catch {
        /* already closing */
      }
    }
    this.setStatus('stopped');
  }
}
