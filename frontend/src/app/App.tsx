import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { I18nProvider } from '@/shared/i18n/I18nProvider';
import { ChatConfigProvider } from '@/shared/config/chatConfig';
import { SessionProvider } from '@/entities/session/SessionProvider';
import { PresenceProvider } from '@/entities/presence/PresenceProvider';
import { AppRoutes } from './AppRoutes';

export function App() {
  return (
    <I18nProvider>
      <SessionProvider>
        <ChatConfigProvider>
          <PresenceProvider>
            <BrowserRouter>
              <Routes>
                <Route path="/*" element={<AppRoutes />} />
              </Routes>
            </BrowserRouter>
          </PresenceProvider>
        </ChatConfigProvider>
      </SessionProvider>
    </I18nProvider>
  );
}
