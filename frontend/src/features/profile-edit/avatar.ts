export const AVATAR_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
const AVATAR_EXT = /\.(jpe?g|png|gif|webp)$/i;

export type AvatarProblem = 'type' | 'size' | null;

/** Checks an avatar before upload: JPEG/PNG/GIF/WebP and at most `maxMb` MiB. */
export function checkAvatar(file: Pick<File, 'type' | 'size' | 'name'>, maxMb: number): AvatarProblem {
  const typeOk = file.type ? (AVATAR_TYPES as readonly string[]).includes(file.type) : AVATAR_EXT.test(file.name);
  if (!typeOk) return 'type';
  if (file.size > maxMb * 1024 * 1024) return 'size';
  return null;
}
