/**
 * Runtime schemas for the admin API (docs/admin-api.md, decision P16).
 * Unknown keys are allowed (additive changes must not break us).
 */
import { z } from 'zod';

const isoTime = z.string();

export const adminUserSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  email: z.string().nullable().transform((v) => v ?? ''),
  bio: z.string().nullable().transform((v) => v ?? ''),
  profileImage: z
    .string()
    .nullable()
    .optional()
    .transform((v) => (v ? v : null)),
  is_active: z.boolean(),
  is_staff: z.boolean(),
  is_superuser: z.boolean(),
  date_joined: isoTime,
  last_login: isoTime.nullable(),
  /** From presence; may be null (never seen). */
  last_seen: isoTime.nullable(),
});
export type AdminUser = z.infer<typeof adminUserSchema>;

export const adminRoomSchema = z.object({
  id: z.number().int(),
  slug: z.string(),
  name: z.string(),
  owner: z.string().nullable(),
  created_at: isoTime,
  message_count: z.number().int().nonnegative(),
});
export type AdminRoom = z.infer<typeof adminRoomSchema>;

export const adminMessageSchema = z.object({
  id: z.number().int(),
  room: z.string(),
  username: z.string(),
  /** Null once the author account was deleted (author link cleared). */
  user_id: z.number().int().nullable(),
  content: z.string(),
  created_at: isoTime,
});
export type AdminMessage = z.infer<typeof adminMessageSchema>;

/** `{"results": [...], "count": N, "page": P, "page_size": S}` */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    results: z.array(item),
    count: z.number().int().nonnegative(),
    page: z.number().int().positive(),
    page_size: z.number().int().positive(),
  });
}
export interface Page<T> {
  results: T[];
  count: number;
  page: number;
  page_size: number;
}

export const adminUserPageSchema = pageSchema(adminUserSchema);
export const adminRoomPageSchema = pageSchema(adminRoomSchema);
export const adminMessagePageSchema = pageSchema(adminMessageSchema);

export const adminOkSchema = z.object({ ok: z.literal(true) });
export const roomDeletedSchema = z.object({ ok: z.literal(true), deleted_messages: z.number().int().nonnegative() });
export const bulkDeletedSchema = z.object({ ok: z.literal(true), deleted: z.number().int().nonnegative() });

export const AUDIT_ACTIONS = ['create', 'update', 'delete', 'password', 'bulk_delete'] as const;
export const AUDIT_OBJECT_TYPES = ['user', 'room', 'message'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditObjectType = (typeof AUDIT_OBJECT_TYPES)[number];

/** One recorded admin write; `changes` maps a field to `[before, after]`. */
export const auditEntrySchema = z.object({
  /** Each daemon numbers its own log, so ids may repeat across auth/chat: keep both shapes. */
  id: z.union([z.number(), z.string()]),
  at: isoTime,
  actor_id: z.number().int().nullable(),
  actor: z.string().nullable(),
  action: z.string(),
  object_type: z.string(),
  object_id: z.union([z.number(), z.string()]).nullable(),
  object_label: z.string().nullable().optional().default(null),
  changes: z
    .record(z.string(), z.tuple([z.unknown(), z.unknown()]))
    .nullable()
    .optional()
    .transform((v) => v ?? {}),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditPageSchema = z.object({
  results: z.array(auditEntrySchema),
  /** "an `at` timestamp cursor"; a string in practice, numbers tolerated. */
  nextBefore: z
    .union([z.string(), z.number()])
    .nullable()
    .optional()
    .transform((v) => (v === undefined || v === null ? null : String(v))),
});
export type AuditPage = z.infer<typeof auditPageSchema>;
