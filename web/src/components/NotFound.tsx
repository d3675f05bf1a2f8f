import { Link } from 'react-router';
import { t } from '../i18n';
import { PageHeader } from './PageHeader';

export function NotFound() {
  return (
    <>
      <PageHeader title={t('notFound.heading')} documentTitle={t('title.notFound')} />
      <p>{t('notFound.body')}</p>
      <p>
        <Link to="/cases" className="button button--primary">
          {t('notFound.link')}
        </Link>
      </p>
    </>
  );
}
