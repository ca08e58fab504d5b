import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { I18nProvider } from '@/shared/i18n/I18nProvider';
import type { Lang } from '@/shared/i18n/messages';
import { ChatConfigContext, defaultChatConfig, type ChatConfig } from '@/shared/config/context';
import { SessionContext, type SessionValue } from '@/entities/session/context';
import type { User } from '@/shared/api/schemas';

export const alice: User = {
  username: 'alice',
  email: 'alice@example.com',
  profileImage: 'http://localhost/media/default.jpg',
  bio: '',
  registeredAt: '2024-01-02T03:04:05+00:00',
  is_staff: false,
  is_superuser: false,
  lastSeen: null,
};

export interface RenderOptions {
  user?: User | null;
  lang?: Lang;
  config?: Partial<ChatConfig>;
  route?: string;
  session?: Partial<SessionValue>;
}

export function renderApp(ui: ReactElement, opts: RenderOptions = {}) {
  const session: SessionValue = {
    user: opts.user ?? null,
    status: 'ready',
    setUser: () => undefined,
    refresh: () => Promise.resolve(opts.user ?? null),
    logout: () => Promise.resolve(),
    ...opts.session,
  };
  return render(
    <I18nProvider initialLang={opts.lang ?? 'en'}>
      <SessionContext.Provider value={session}>
        <ChatConfigContext.Provider value={{ ...defaultChatConfig, ...opts.config }}>
          <MemoryRouter initialEntries={[opts.route ?? '/']}>{ui}</MemoryRouter>
        </ChatConfigContext.Provider>
      </SessionContext.Provider>
    </I18nProvider>,
  );
}

/** Minimal fetch stub: routes by path prefix, records calls. */
export function stubFetch(routes: Record<string, (url: string, init: RequestInit | undefined) => { status?: number; body: unknown }>) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    calls.push({ url, init });
    const path = url.split('?')[0] ?? url;
    const match = Object.keys(routes)
      .sort((a, b) => b.length - a.length)
      .find((k) => path.startsWith(k));
    if (!match) return Promise.resolve(new Response(JSON.stringify({ error: 'Not found' }), { status: 404, headers: { 'Content-Type': 'application/json' } }));
    const handler = routes[match];
    if (!handler) throw new Error('unreachable');
    const { status = 200, body } = handler(url, init);
    return Promise.resolve(new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json' } }));
  };
  return { fn, calls };
}

/** Controllable fake WebSocket for socket/conversation tests. */
export class FakeSocket {
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  closedWith: number | undefined | null = null;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
    FakeSocket.instances.push(this);
  }
  static reset() {
    FakeSocket.instances = [];
  }
  static last(): FakeSocket {
    const s = FakeSocket.instances.at(-1);
    if (!s) throw new Error('no socket');
    return s;
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(data: unknown) {
    this.onmessage?.(new MessageEvent('message', { data: typeof data === 'string' ? data : JSON.stringify(data) }));
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code }));
  }
}

export const fakeSocketFactory = (url: string) => new FakeSocket(url);
