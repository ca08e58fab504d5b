import { Route, Routes } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';
import { AppHeader } from '@/widgets/header/AppHeader';
import { HomePage } from '@/pages/HomePage';
import { LoginPage } from '@/pages/LoginPage';
import { RegisterPage } from '@/pages/RegisterPage';
import { ProfilePage } from '@/pages/ProfilePage';
import { UserPage } from '@/pages/UserPage';
import { RoomPage } from '@/pages/RoomPage';
import { AdminPage } from '@/pages/AdminPage';
import { NotFoundPage } from '@/pages/NotFoundPage';

/** Layout + client-side routes (config.md §4 SPA routes, plus /admin for staff). */
export function AppRoutes() {
  const { t } = useI18n();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <AppHeader />
      <main id="main" className="app-main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<HomePage />} />
          <Route path="/login" element={<LoginPage />} />
          <Route path="/register" element={<RegisterPage />} />
          <Route path="/profile" element={<ProfilePage />} />
          <Route path="/users/:username" element={<UserPage />} />
          <Route path="/rooms/:slug" element={<RoomPage />} />
          <Route path="/admin/*" element={<AdminPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
    </div>
  );
}
