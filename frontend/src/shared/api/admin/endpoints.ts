/** Typed client for /api/admin/… (docs/admin-api.md). */
import { apiRequest } from '../http';
import { fetchCsrf } from '../endpoints';
import {
  adminMessagePageSchema,
  adminMessageSchema,
  adminOkSchema,
  adminRoomPageSchema,
  adminRoomSchema,
  adminUserPageSchema,
  adminUserSchema,
  auditPageSchema,
  bulkDeletedSchema,
  roomDeletedSchema,
  type AdminMessage,
  type AdminRoom,
  type AdminUser,
  type AuditPage,
  type Page,
} from './schemas';

export const DEFAULT_PAGE_SIZE = 50;

type QueryValue = string | number | boolean | null | undefined;

/** Builds `?a=1&b=x` from defined, non-empty values (in the given key order); '' when nothing is set. */
export function buildQuery(params: Record<string, QueryValue>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    const s = typeof v === 'string' ? v.trim() : String(v);
    if (s === '') continue;
    q.set(k, s);
  }
  const out = q.toString();
  return out ? `?${out}` : '';
}

export interface Paging {
  page?: number;
  page_size?: number;
}

// ------------------------------------------------------------------ users

export const USER_SORTS = ['-date_joined', 'date_joined', 'username', '-username', 'last_login', '-last_login'] as const;
export type UserSort = (typeof USER_SORTS)[number];

export interface UserFilters {
  q?: string;
  is_active?: boolean | null;
  is_staff?: boolean | null;
  is_superuser?: boolean | null;
  /** ISO-8601 date or date-time with offset. */
  joined_after?: string;
  joined_before?: string;
  sort?: UserSort;
}

export function usersQuery(f: UserFilters & Paging): string {
  return buildQuery({
    q: f.q,
    is_active: f.is_active,
    is_staff: f.is_staff,
    is_superuser: f.is_superuser,
    joined_after: f.joined_after,
    joined_before: f.joined_before,
    sort: f.sort,
    page: f.page,
    page_size: f.page_size,
  });
}

export function listUsers(f: UserFilters & Paging = {}, signal?: AbortSignal): Promise<Page<AdminUser>> {
  return apiRequest(`/admin/users/${usersQuery(f)}`, adminUserPageSchema, signal ? { signal } : {});
}

export function getUser(id: number): Promise<AdminUser> {
  return apiRequest(`/admin/users/${id}/`, adminUserSchema);
}

export interface NewUser {
  username: string;
  password1: string;
  password2: string;
  email?: string;
}

export async function createUser(u: NewUser): Promise<AdminUser> {
  await fetchCsrf();
  const json: NewUser = { username: u.username, password1: u.password1, password2: u.password2 };
  if (u.email) json.email = u.email;
  return apiRequest('/admin/users/', adminUserSchema, { method: 'POST', json });
}

export type UserPatch = Partial<Pick<AdminUser, 'username' | 'email' | 'bio' | 'is_active' | 'is_staff' | 'is_superuser'>>;

export async function patchUser(id: number, patch: UserPatch): Promise<AdminUser> {
  await fetchCsrf();
  return apiRequest(`/admin/users/${id}/`, adminUserSchema, { method: 'PATCH', json: patch });
}

export async function deleteUser(id: number): Promise<void> {
  await fetchCsrf();
  await apiRequest(`/admin/users/${id}/`, adminOkSchema, { method: 'DELETE' });
}

export async function setUserPassword(id: number, password1: string, password2: string): Promise<void> {
  await fetchCsrf();
  await apiRequest(`/admin/users/${id}/password/`, adminOkSchema, { method: 'POST', json: { password1, password2 } });
}

export async function uploadUserAvatar(id: number, image: File): Promise<AdminUser> {
  await fetchCsrf();
  const form = new FormData();
  form.append('image', image, image.name);
  return apiRequest(`/admin/users/${id}/avatar/`, adminUserSchema, { method: 'POST', form, timeoutMs: 60_000 });
}

// ------------------------------------------------------------------ rooms

export interface RoomFilters {
  q?: string;
  owner?: string;
}

export function roomsQuery(f: RoomFilters & Paging): string {
  return buildQuery({ q: f.q, owner: f.owner, page: f.page, page_size: f.page_size });
}

export function listRooms(f: RoomFilters & Paging = {}, signal?: AbortSignal): Promise<Page<AdminRoom>> {
  return apiRequest(`/admin/rooms/${roomsQuery(f)}`, adminRoomPageSchema, signal ? { signal } : {});
}

export interface RoomPatch {
  name?: string;
  /** Existing username, or null for no owner. */
  owner?: string | null;
}

export async function patchRoom(id: number, patch: RoomPatch): Promise<AdminRoom> {
  await fetchCsrf();
  return apiRequest(`/admin/rooms/${id}/`, adminRoomSchema, { method: 'PATCH', json: patch });
}

/** Deletes a room and its messages; resolves to the number of deleted messages. */
export async function deleteRoom(id: number): Promise<number> {
  await fetchCsrf();
  return (await apiRequest(`/admin/rooms/${id}/?confirm=true`, roomDeletedSchema, { method: 'DELETE' })).deleted_messages;
}

// ------------------------------------------------------------------ messages

export interface MessageFilters {
  room?: string;
  author?: string;
  /** ISO-8601 with offset. */
  since?: string;
  until?: string;
  q?: string;
}

export type MessageSort = 'created_at' | '-created_at';

export function messagesQuery(f: MessageFilters & Paging & { sort?: MessageSort }): string {
  return buildQuery({ room: f.room, author: f.author, since: f.since, until: f.until, q: f.q, sort: f.sort, page: f.page, page_size: f.page_size });
}

/** Only the filters that are set (trimmed), as bulk-delete sends them. */
export function activeMessageFilters(f: MessageFilters): MessageFilters {
  const out: MessageFilters = {};
  for (const k of ['room', 'author', 'since', 'until', 'q'] as const) {
    const v = f[k]?.trim();
    if (v) out[k] = v;
  }
  return out;
}

export function hasMessageFilter(f: MessageFilters): boolean {
  return Object.keys(activeMessageFilters(f)).length > 0;
}

export function listMessages(f: MessageFilters & Paging & { sort?: MessageSort } = {}, signal?: AbortSignal): Promise<Page<AdminMessage>> {
  return apiRequest(`/admin/messages/${messagesQuery(f)}`, adminMessagePageSchema, signal ? { signal } : {});
}

export interface MessagePatch {
  content?: string;
  /** ISO-8601 with offset. */
  created_at?: string;
}

export async function patchMessage(id: number, patch: MessagePatch): Promise<AdminMessage> {
  await fetchCsrf();
  return apiRequest(`/admin/messages/${id}/`, adminMessageSchema, { method: 'PATCH', json: patch });
}

export async function deleteMessage(id: number): Promise<void> {
  await fetchCsrf();
  await apiRequest(`/admin/messages/${id}/`, adminOkSchema, { method: 'DELETE' });
}

/** Deletes every message matching the filters; refuses locally when no filter is set. */
export async function bulkDeleteMessages(f: MessageFilters): Promise<number> {
  const json = activeMessageFilters(f);
  if (Object.keys(json).length === 0) throw new Error('bulk delete needs at least one filter');
  await fetchCsrf();
  return (await apiRequest('/admin/messages/bulk-delete/', bulkDeletedSchema, { method: 'POST', json })).deleted;
}

// ------------------------------------------------------------------ audit

export interface AuditFilters {
  actor?: string;
  object_type?: string;
  object_id?: string;
  action?: string;
  since?: string;
  until?: string;
}

export function auditQuery(f: AuditFilters & { before?: string | null; limit?: number }): string {
  return buildQuery({
    actor: f.actor,
    object_type: f.object_type,
    object_id: f.object_id,
    action: f.action,
    since: f.since,
    until: f.until,
    before: f.before,
    limit: f.limit,
  });
}

export function listAudit(f: AuditFilters & { before?: string | null; limit?: number } = {}, signal?: AbortSignal): Promise<AuditPage> {
  return apiRequest(`/admin/audit/${auditQuery(f)}`, auditPageSchema, signal ? { signal } : {});
}
