import { Link } from 'react-router-dom';
import { userPath } from './userPath';

function initials(name: string): string {
  const ch = Array.from(name.trim())[0];
  return ch ? ch.toUpperCase() : '?';
}

export function UserAvatar({ username, src, size = 36 }: { username: string; src: string | null; size?: number }) {
  return src ? (
    <img className="avatar" src={src} alt="" width={size} height={size} loading="lazy" />
  ) : (
    <span className="avatar avatar--placeholder" style={{ width: size, height: size }} aria-hidden="true">
      {initials(username)}
    </span>
  );
}

/** Avatar + name, both opening the user's profile. */
export function UserLink({ username, src, size, showAvatar = true }: { username: string; src: string | null; size?: number; showAvatar?: boolean }) {
  return (
    <Link className="user-link" to={userPath(username)}>
      {showAvatar && <UserAvatar username={username} src={src} {...(size !== undefined ? { size } : {})} />}
      <span className="user-link__name">{username}</span>
    </Link>
  );
}
