import type { z } from 'zod';
import { errorBodySchema, type ErrorBody } from './schemas';

/** Everything that can go wrong with a request, in one type. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody | null;
  /** 'http' = server answered with an error status; 'network' = no answer; 'timeout'; 'contract' = body did not match the schema. */
  readonly kind: 'http' | 'network' | 'timeout' | 'contract';

  constructor(kind: ApiError['kind'], status: number, body: ErrorBody | null, message?: string) {
    super(message ?? `${kind} error (${status})`);
    this.name = 'ApiError';
    this.kind = kind;
    this.status = status;
    this.body = body;
  }
}

export const REQUEST_TIMEOUT_MS = 10_000;

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function readCookie(name: string, cookieString: string = typeof document === 'undefined' ? '' : document.cookie): string | null {
  for (const part of cookieString.split(';')) {
    const [k, ...rest] = part.trim().split('=');
    if (k === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** api.md §2.3: in-memory token, else the csrftoken cookie. */
export function currentCsrfToken(): string | null {
  return csrfToken ?? readCookie('csrftoken');
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
  timeoutMs?: number;
}

async function readJson(res: Response): Promise<unknown> {
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return null;
  try {
    return (await res.json()) as unknown;
  } catch {
    return null;
  }
}

/** Performs a request under `/api`, validates the JSON body with `schema`. */
export async function apiRequest<S extends z.ZodType>(path: string, schema: S, opts: RequestOptions = {}): Promise<z.output<S>> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.form) {
    body = opts.form;
  } else if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  if (method !== 'GET') {
    const token = currentCsrfToken();
    if (token) headers['X-CSRFToken'] = token;
  }
  const controller = new AbortController();
  const state = { timedOut: false };
  const timer = setTimeout(() => {
    state.timedOut = true;
    controller.abort();
  }, opts.timeoutMs ?? REQUEST_TIMEOUT_MS);
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort);

  let res: Response;
  try {
    res = await fetch(`/api${path}`, { method, headers, body, credentials: 'include', signal: controller.signal });
  } catch (e) {
    if (!state.timedOut && opts.signal?.aborted === true) throw e;
    throw new ApiError(state.timedOut ? 'timeout' : 'network', 0, null);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }

  const data = await readJson(res);
  if (!res.ok) {
    const parsed = errorBodySchema.safeParse(data);
    throw new ApiError('http', res.status, parsed.success ? parsed.data : null);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new ApiError('contract', res.status, null, `Unexpected response from ${path}`);
  }
  return parsed.data;
}
