import { describe, expect, it } from 'vitest';
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
} from './schemas';
import { errorBodySchema } from '../schemas';

import { exampleAudit, exampleMessage, exampleRoom, exampleUser } from '@/test/adminExamples';

describe('admin schemas (docs/admin-api.md examples)', () => {
  it('AdminUser, nullable last_seen/last_login, page envelope', () => {
    const u = adminUserSchema.parse(exampleUser);
    expect(u.last_seen).toBeNull();
    expect(adminUserSchema.parse({ ...exampleUser, last_login: null, last_seen: '2024-05-03T00:00:00+00:00' }).last_seen).toBe('2024-05-03T00:00:00+00:00');
    const page = adminUserPageSchema.parse({ results: [exampleUser], count: 1, page: 1, page_size: 50 });
    expect(page.results[0]?.username).toBe('alice');
    // flags are required booleans
    expect(adminUserSchema.safeParse({ ...exampleUser, is_staff: 'yes' }).success).toBe(false);
    expect(adminUserSchema.safeParse({ ...exampleUser, id: undefined }).success).toBe(false);
  });

  it('AdminRoom with and without owner; room delete answer', () => {
    expect(adminRoomSchema.parse(exampleRoom).owner).toBe('alice');
    expect(adminRoomSchema.parse({ ...exampleRoom, owner: null }).owner).toBeNull();
    expect(adminRoomPageSchema.parse({ results: [exampleRoom], count: 1, page: 1, page_size: 50 }).count).toBe(1);
    expect(roomDeletedSchema.parse({ ok: true, deleted_messages: 12 }).deleted_messages).toBe(12);
    expect(roomDeletedSchema.safeParse({ ok: true }).success).toBe(false);
  });

  it('AdminMessage (user_id null after the author was deleted); bulk delete answer', () => {
    expect(adminMessageSchema.parse(exampleMessage).user_id).toBe(7);
    expect(adminMessageSchema.parse({ ...exampleMessage, user_id: null }).user_id).toBeNull();
    expect(adminMessagePageSchema.parse({ results: [], count: 0, page: 1, page_size: 50 }).results).toEqual([]);
    expect(bulkDeletedSchema.parse({ ok: true, deleted: 3 }).deleted).toBe(3);
    expect(adminOkSchema.parse({ ok: true }).ok).toBe(true);
    expect(adminMessagePageSchema.safeParse({ results: [exampleMessage] }).success).toBe(false);
  });

  it('audit page: changes as [before, after], nextBefore cursor or null', () => {
    const a = auditPageSchema.parse(exampleAudit);
    expect(a.results[0]?.changes.content).toEqual(['helo', 'hello']);
    expect(a.nextBefore).toBe('2024-05-01T08:00:00+00:00');
    expect(auditPageSchema.parse({ results: [], nextBefore: null }).nextBefore).toBeNull();
    expect(auditPageSchema.safeParse({ results: [{ ...exampleAudit.results[0], changes: { x: [1] } }], nextBefore: null }).success).toBe(false);
  });

  it('admin error bodies keep their code', () => {
    expect(errorBodySchema.parse({ error: 'Forbidden', code: 'staff_required' }).code).toBe('staff_required');
    const v = errorBodySchema.parse({ errors: { username: ['Taken'] }, code: 'validation_failed' });
    expect(v.errors?.username).toEqual(['Taken']);
  });
});
