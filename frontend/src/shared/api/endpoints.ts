import { apiRequest, setCsrfToken } from './http';
import {
  csrfResponseSchema,
  historyResponseSchema,
  okResponseSchema,
  passwordRulesSchema,
  profileResponseSchema,
  publicRoomSchema,
  registerResponseSchema,
  roomDetailsSchema,
  sessionResponseSchema,
  type HistoryResponse,
  type PublicRoom,
  type RoomDetails,
  type SessionResponse,
  type User,
} from './schemas';

const seg = (s: string) => encodeURIComponent(s);

/** GET /api/auth/csrf/ — stores the masked token in memory and returns it. */
export async function fetchCsrf(): Promise<string> {
  const { csrfToken } = await apiRequest('/auth/csrf/', csrfResponseSchema);
  setCsrfToken(csrfToken);
  return csrfToken;
}

export function fetchSession(): Promise<SessionResponse> {
  return apiRequest('/auth/session/', sessionResponseSchema);
}

export async function login(username: string, password: string): Promise<SessionResponse> {
  await fetchCsrf();
  return apiRequest('/auth/login/', sessionResponseSchema, { method: 'POST', json: { username, password } });
}

export async function register(username: string, password1: string, password2: string): Promise<SessionResponse> {
  await fetchCsrf();
  return apiRequest('/auth/register/', registerResponseSchema, { method: 'POST', json: { username, password1, password2 } });
}

export async function logout(): Promise<void> {
  await apiRequest('/auth/logout/', okResponseSchema, { method: 'POST' });
}

export async function fetchPasswordRules(): Promise<string[]> {
  return (await apiRequest('/auth/password-rules/', passwordRulesSchema)).rules;
}

export async function fetchProfile(): Promise<User> {
  return (await apiRequest('/auth/profile/', profileResponseSchema)).user;
}

export interface ProfileUpdate {
  username: string;
  email: string;
  bio: string;
  image?: File | null;
}

export async function saveProfile(update: ProfileUpdate): Promise<User> {
  await fetchCsrf();
  const form = new FormData();
  form.append('username', update.username);
  form.append('email', update.email);
  form.append('bio', update.bio);
  if (update.image) form.append('image', update.image, update.image.name);
  return (await apiRequest('/auth/profile/', profileResponseSchema, { method: 'POST', form })).user;
}

export async function fetchUser(username: string): Promise<User> {
  return (await apiRequest(`/auth/users/${seg(username)}/`, profileResponseSchema)).user;
}

export function fetchPublicRoom(): Promise<PublicRoom> {
  return apiRequest('/chat/public-room/', publicRoomSchema);
}

export function fetchRoom(slug: string): Promise<RoomDetails> {
  return apiRequest(`/chat/rooms/${seg(slug)}/`, roomDetailsSchema);
}

export interface HistoryQuery {
  limit?: number;
  before?: number;
  after?: number;
  signal?: AbortSignal;
}

export function fetchMessages(slug: string, q: HistoryQuery = {}): Promise<HistoryResponse> {
  const params = new URLSearchParams();
  params.set('limit', String(q.limit ?? 50));
  if (q.before !== undefined) params.set('before', String(q.before));
  if (q.after !== undefined) params.set('after', String(q.after));
  return apiRequest(`/chat/rooms/${seg(slug)}/messages/?${params.toString()}`, historyResponseSchema, q.signal ? { signal: q.signal } : {});
}
