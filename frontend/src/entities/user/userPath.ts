export function userPath(username: string): string {
  return `/users/${encodeURIComponent(username)}`;
}

