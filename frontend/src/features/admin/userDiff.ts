import type { UserPatch } from '@/shared/api/admin/endpoints';
import type { AdminUser } from '@/shared/api/admin/schemas';

/** Only the fields that differ from `user` (so plain staff never send staff/superuser flags). */
export function userDiff(user: AdminUser, draft: Required<UserPatch>): UserPatch {
  const out: UserPatch = {};
  if (draft.username.trim() !== user.username) out.username = draft.username.trim();
  if (draft.email.trim() !== user.email) out.email = draft.email.trim();
  if (draft.bio !== user.bio) out.bio = draft.bio;
  if (draft.is_active !== user.is_active) out.is_active = draft.is_active;
  if (draft.is_staff !== user.is_staff) out.is_staff = draft.is_staff;
  if (draft.is_superuser !== user.is_superuser) out.is_superuser = draft.is_superuser;
  return out;
}
