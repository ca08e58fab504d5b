import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { fetchPublicRoom } from '@/shared/api/endpoints';
import { DEFAULT_MESSAGE_MAX_LENGTH } from '@/shared/api/schemas';
import { makeSlugRule } from '@/shared/lib/slug';
import { DEFAULT_UPLOAD_MAX_MB } from '@/shared/api/errorText';
import { ChatConfigContext, type ChatConfig } from './context';

/** Reads server-provided limits from GET /api/chat/public-room/ (additive fields, with documented defaults). */
export function ChatConfigProvider({ children, initial }: { children: ReactNode; initial?: Partial<ChatConfig> }) {
  const [raw, setRaw] = useState<{ name: string | null; slugRegex?: string; messageMaxLength?: number; uploadMaxMb?: number; loaded: boolean }>({
    name: null,
    loaded: false,
  });
  useEffect(() => {
    if (initial) return;
    let alive = true;
    fetchPublicRoom()
      .then((r) => {
        if (alive) setRaw({ name: r.name, slugRegex: r.slugRegex, messageMaxLength: r.messageMaxLength, uploadMaxMb: r.uploadMaxMb, loaded: true });
      })
      .catch(() => {
        if (alive) setRaw((prev) => ({ ...prev, loaded: true }));
      });
    return () => {
      alive = false;
    };
  }, [initial]);
  const value = useMemo<ChatConfig>(
    () => ({
      publicRoomName: raw.name,
      slugRule: makeSlugRule(raw.slugRegex),
      messageMaxLength: raw.messageMaxLength ?? DEFAULT_MESSAGE_MAX_LENGTH,
      uploadMaxMb: raw.uploadMaxMb ?? DEFAULT_UPLOAD_MAX_MB,
      loaded: raw.loaded,
      ...initial,
    }),
    [raw, initial],
  );
  return <ChatConfigContext.Provider value={value}>{children}</ChatConfigContext.Provider>;
}
