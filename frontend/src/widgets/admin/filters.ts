import { localDayStartIso, localInputToIso } from '@/shared/lib/localDateTime';
import type { MessageFilters, UserFilters, UserSort } from '@/shared/api/admin/endpoints';
import { triToBool, type Tri } from './format';

export interface UserDraft {
  q: string;
  active: Tri;
  staff: Tri;
  superuser: Tri;
  joinedFrom: string;
  joinedTo: string;
}
export const emptyUserDraft: UserDraft = { q: '', active: '', staff: '', superuser: '', joinedFrom: '', joinedTo: '' };

/** Filters as the API wants them; "joined until" includes that whole local day. */
export function userFiltersFrom(d: UserDraft, sort: UserSort, timeZone?: string): UserFilters {
  return {
    q: d.q,
    is_active: triToBool(d.active),
    is_staff: triToBool(d.staff),
    is_superuser: triToBool(d.superuser),
    joined_after: d.joinedFrom ? (localDayStartIso(d.joinedFrom, timeZone) ?? undefined) : undefined,
    joined_before: d.joinedTo ? (localDayStartIso(d.joinedTo, timeZone, 1) ?? undefined) : undefined,
    sort,
  };
}


export interface MessageDraft {
  room: string;
  author: string;
  /** datetime-local values (viewer's wall time). */
  since: string;
  until: string;
  q: string;
}
export const emptyMessageDraft: MessageDraft = { room: '', author: '', since: '', until: '', q: '' };

const opt = (s: string) => (s.trim() ? s.trim() : undefined);
const instant = (local: string, timeZone?: string) => (local ? (localInputToIso(local, timeZone) ?? undefined) : undefined);

/** Message filters for the API: since/until converted from local wall time to ISO with offset. */
export function messageFiltersFrom(d: MessageDraft, timeZone?: string): MessageFilters {
  const out: MessageFilters = {};
  const room = opt(d.room);
  const author = opt(d.author);
  const since = instant(d.since, timeZone);
  const until = instant(d.until, timeZone);
  const q = opt(d.q);
  if (room) out.room = room;
  if (author) out.author = author;
  if (since) out.since = since;
  if (until) out.until = until;
  if (q) out.q = q;
  return out;
}

export interface AuditDraft {
  actor: string;
  objectType: string;
  action: string;
  since: string;
  until: string;
}
export const emptyAuditDraft: AuditDraft = { actor: '', objectType: '', action: '', since: '', until: '' };

export function auditFiltersFrom(d: AuditDraft, timeZone?: string) {
  return {
    actor: opt(d.actor),
    object_type: opt(d.objectType),
    action: opt(d.action),
    since: instant(d.since, timeZone),
    until: instant(d.until, timeZone),
  };
}
