import { useEffect, useState } from 'react';
import { Link, Navigate, useParams } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { useChatConfig } from '@/shared/config/context';
import { fetchRoom } from '@/shared/api/endpoints';
import { ApiError } from '@/shared/api/http';
import { errorText } from '@/shared/api/errorText';
import type { RoomDetails } from '@/shared/api/schemas';
import { PUBLIC_SLUG } from '@/shared/lib/slug';
import { useSession } from '@/entities/session/context';
import { rememberRoom } from '@/entities/room/recentRooms';
import { roomTitle } from '@/entities/room/roomTitle';
import { Conversation } from '@/widgets/conversation/Conversation';

type Problem = { kind: 'invalid' } | { kind: 'login' } | { kind: 'taken' } | { kind: 'other'; error: unknown };

export function RoomPage() {
  const { slug = '' } = useParams();
  const { t } = useI18n();
  const { user, status } = useSession();
  const { slugRule } = useChatConfig();
  const [room, setRoom] = useState<RoomDetails | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const validSlug = slug === PUBLIC_SLUG || slugRule.test(slug);
  const username = user?.username ?? null;

  useEffect(() => {
    setRoom(null);
    setProblem(null);
    if (status !== 'ready' || slug === PUBLIC_SLUG) return;
    if (!validSlug) {
      setProblem({ kind: 'invalid' });
      return;
    }
    if (username === null) {
      setProblem({ kind: 'login' });
      return;
    }
    let alive = true;
    fetchRoom(slug)
      .then((r) => {
        if (!alive) return;
        setRoom(r);
        rememberRoom(r.slug, roomTitle(r));
      })
      .catch((e: unknown) => {
        if (!alive) return;
        if (e instanceof ApiError && e.status === 409) setProblem({ kind: 'taken' });
        else if (e instanceof ApiError && e.status === 401) setProblem({ kind: 'login' });
        else if (e instanceof ApiError && e.status === 400) setProblem({ kind: 'invalid' });
        else setProblem({ kind: 'other', error: e });
      });
    return () => {
      alive = false;
    };
  }, [slug, validSlug, username, status]);

  useEffect(() => {
    if (room) document.title = `${roomTitle(room)} · EchoChat`;
  }, [room]);

  if (slug === PUBLIC_SLUG) return <Navigate to="/" replace />;
  if (problem) {
    const text =
      problem.kind === 'invalid'
        ? t('rooms.invalid')
        : problem.kind === 'login'
          ? t('rooms.needLogin')
          : problem.kind === 'taken'
            ? t('rooms.taken')
            : errorText(problem.error, t);
    return (
      <div className="narrow">
        <p className="notice notice--error" role="alert" data-testid="room-problem">
          {text}
        </p>
        {problem.kind === 'login' ? (
          <Link to={`/login?next=${encodeURIComponent(`/rooms/${slug}`)}`}>{t('nav.login')}</Link>
        ) : (
          <Link to="/">{t('notFound.back')}</Link>
        )}
      </div>
    );
  }
  if (!room) return <p role="status">{t('app.loading')}</p>;
  return (
    <div className="chat-layout chat-layout--single">
      <div className="chat-layout__main">
        <h1 className="page-title">{room.createdBy ? t('rooms.roomOf', { owner: room.createdBy }) : roomTitle(room)}</h1>
        <p className="muted small">{t('rooms.code', { slug: room.slug })}</p>
        <Conversation slug={room.slug} />
      </div>
    </div>
  );
}
