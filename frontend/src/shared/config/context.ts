import { createContext, useContext } from 'react';
import { DEFAULT_MESSAGE_MAX_LENGTH } from '@/shared/api/schemas';
import { makeSlugRule, type SlugRule } from '@/shared/lib/slug';
import { DEFAULT_UPLOAD_MAX_MB } from '@/shared/api/errorText';

export interface ChatConfig {
  publicRoomName: string | null;
  slugRule: SlugRule;
  messageMaxLength: number;
  uploadMaxMb: number;
  loaded: boolean;
}

export const defaultChatConfig: ChatConfig = {
  publicRoomName: null,
  slugRule: makeSlugRule(undefined),
  messageMaxLength: DEFAULT_MESSAGE_MAX_LENGTH,
  uploadMaxMb: DEFAULT_UPLOAD_MAX_MB,
  loaded: false,
};

export const ChatConfigContext = createContext<ChatConfig>(defaultChatConfig);

export function useChatConfig(): ChatConfig {
  return useContext(ChatConfigContext);
}
