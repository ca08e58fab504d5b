/**
 * Runtime schemas for every HTTP body and WebSocket frame the SPA reads.
 * They follow /shared/spec/api.md, websocket.md and decisions.md (P2, P3, P7, P8).
 * Unknown keys are allowed everywhere (additive changes must not break us).
 */
import { z } from 'zod';

/** Machine error code added by P2; optional because the reference server lacks it. */
const code = z.string().optional();

export const userSchema = z.object({
  username: z.string(),
  email: z.string().default(''),
  profileImage: z
    .string()
    .nullable()
    .optional()
    .transform((v) => (v ? v : null)),
  bio: z.string().default(''),
  registeredAt: z.string().nullable().optional().default(null),
  /** P3: additive; absent on the reference server. */
  is_staff: z.boolean().optional().default(false),
  is_superuser: z.boolean().optional().default(false),
  /** Additive, only on public profiles; may be absent or null. */
  lastSeen: z.string().nullable().optional().default(null),
});
export type User = z.infer<typeof userSchema>;

export const csrfResponseSchema = z.object({ csrfToken: z.string() });
export type CsrfResponse = z.infer<typeof csrfResponseSchema>;

export const sessionResponseSchema = z.object({
  authenticated: z.boolean().optional(),
  user: userSchema.nullable(),
});
export type SessionResponse = z.infer<typeof sessionResponseSchema>;

/** Register answers either a session (201 + user) or `{"ok": true}` (created, not logged in). */
export const registerResponseSchema = z.union([
  sessionResponseSchema,
  z.object({ ok: z.literal(true) }).transform(() => ({ authenticated: false, user: null })),
]);

export const okResponseSchema = z.object({ ok: z.boolean() });

export const registerHintSchema = z.object({ detail: z.string() });

export const passwordRulesSchema = z.object({ rules: z.array(z.string()) });
export type PasswordRules = z.infer<typeof passwordRulesSchema>;

export const profileResponseSchema = z.object({ user: userSchema });

export const DEFAULT_SLUG_REGEX = '^[A-Za-z0-9_-]{3,50}$';
export const DEFAULT_MESSAGE_MAX_LENGTH = 1000;

export const publicRoomSchema = z.object({
  slug: z.string(),
  name: z.string(),
  /** Additive: the server's room slug rule (CHAT_ROOM_SLUG_REGEX). */
  slugRegex: z.string().optional(),
  /** Additive: CHAT_MESSAGE_MAX_LENGTH. */
  messageMaxLength: z.number().int().positive().optional(),
  /** Additive: UPLOAD_MAX_MB, if the backend chooses to expose it. */
  uploadMaxMb: z.number().positive().optional(),
});
export type PublicRoom = z.infer<typeof publicRoomSchema>;

export const roomDetailsSchema = z.object({
  slug: z.string(),
  name: z.string(),
  created: z.boolean(),
  createdBy: z.string().nullable(),
});
export type RoomDetails = z.infer<typeof roomDetailsSchema>;

export const messageSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  content: z.string(),
  profilePic: z.string().nullable(),
  createdAt: z.string(),
  client_id: z.string().optional(),
});
export type Message = z.infer<typeof messageSchema>;

export const historyResponseSchema = z.object({
  messages: z.array(messageSchema),
  /** P8 additive pagination hints. */
  hasMore: z.boolean().optional(),
  nextBefore: z.number().int().nullable().optional(),
});
export type HistoryResponse = z.infer<typeof historyResponseSchema>;

/** Every documented error body shape (api.md §0) plus P2 `code`. */
export const errorBodySchema = z.object({
  error: z.string().optional(),
  errors: z.record(z.string(), z.union([z.array(z.string()), z.string()])).optional(),
  detail: z.string().optional(),
  code,
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

// ---------------------------------------------------------------- WebSocket frames

/** websocket.md §2.3 (a) + P7/W9 additive `id`, `createdAt`, `client_id`. */
export const chatMessageFrameSchema = z.object({
  message: z.string().min(1),
  username: z.string(),
  profile_pic: z.string().nullable().optional().default(null),
  room: z.string().optional(),
  id: z.number().int().optional(),
  createdAt: z.string().optional(),
  client_id: z.string().optional(),
});
export type ChatMessageFrame = z.infer<typeof chatMessageFrameSchema>;

const retryNumber = z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]);

export const chatErrorFrameSchema = z.object({
  error: z.enum(['message_too_long', 'rate_limited']),
  retry_after: retryNumber.optional(),
  retryAfter: retryNumber.optional(),
  retry: retryNumber.optional(),
  code,
});
export type ChatErrorFrame = z.infer<typeof chatErrorFrameSchema>;

/** Additive frames for edits/deletes (admin moderation). */
export const messageUpdatedFrameSchema = z.object({
  type: z.literal('message_updated'),
  id: z.number().int(),
  message: z.string().optional(),
  content: z.string().optional(),
  username: z.string().optional(),
  profile_pic: z.string().nullable().optional(),
  profilePic: z.string().nullable().optional(),
  createdAt: z.string().optional(),
});
export type MessageUpdatedFrame = z.infer<typeof messageUpdatedFrameSchema>;

export const messageDeletedFrameSchema = z.object({
  type: z.literal('message_deleted'),
  id: z.number().int(),
});
export type MessageDeletedFrame = z.infer<typeof messageDeletedFrameSchema>;

export type ChatFrame =
  | { kind: 'message'; frame: ChatMessageFrame }
  | { kind: 'error'; frame: ChatErrorFrame }
  | { kind: 'updated'; frame: MessageUpdatedFrame }
  | { kind: 'deleted'; frame: MessageDeletedFrame };

/** Classifies one text frame from /ws/chat/<room>/; unknown frames → null (ignored). */
export function parseChatFrame(raw: string): ChatFrame | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const updated = messageUpdatedFrameSchema.safeParse(data);
  if (updated.success) return { kind: 'updated', frame: updated.data };
  const deleted = messageDeletedFrameSchema.safeParse(data);
  if (deleted.success) return { kind: 'deleted', frame: deleted.data };
  const err = chatErrorFrameSchema.safeParse(data);
  if (err.success) return { kind: 'error', frame: err.data };
  const msg = chatMessageFrameSchema.safeParse(data);
  if (msg.success) return { kind: 'message', frame: msg.data };
  return null;
}

/** Seconds to wait after a rate_limited frame (default 10 s, like the reference). */
export function retryAfterSeconds(frame: ChatErrorFrame): number {
  const v = frame.retry_after ?? frame.retryAfter ?? frame.retry;
  if (v === undefined || !Number.isFinite(v) || v <= 0) return 10;
  return Math.ceil(v);
}

export const presenceUserSchema = z.object({
  username: z.string(),
  profileImage: z.string().nullable(),
});
export type PresenceUser = z.infer<typeof presenceUserSchema>;

/** websocket.md §3.4: `{"guests": N}` or `{"online": [...], "guests": N}`. */
export const presenceFrameSchema = z.object({
  online: z.array(presenceUserSchema).optional(),
  guests: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
});
export type PresenceFrame = z.infer<typeof presenceFrameSchema>;

export function parsePresenceFrame(raw: string): PresenceFrame | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  const r = presenceFrameSchema.safeParse(data);
  if (!r.success) return null;
  if (r.data.online === undefined && r.data.guests === undefined) return null;
  return r.data;
}
