import { Link } from 'react-router-dom';
import { useI18n } from '@/shared/i18n/context';

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <div className="narrow">
      <h1 className="page-title">{t('notFound.title')}</h1>
      <Link to="/">{t('notFound.back')}</Link>
    </div>
  );
}
