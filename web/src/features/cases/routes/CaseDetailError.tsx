import { useRouteError } from 'react-router';
import { isApiError } from '../../../api/errors';
import { PageHeader } from '../../../components/PageHeader';
import { RouteErrorView } from '../../../components/RouteErrorView';
import { t } from '../../../i18n';
import { BackToCases } from '../components/BackToCases';

/** A case that does not exist and one that belongs to someone else look the same: not found. */
export function CaseDetailError() {
  const error = useRouteError();
  if (isApiError(error, 404) || isApiError(error, 403)) {
    return (
      <>
        <BackToCases />
        <PageHeader title={t('caseDetail.notFound.heading')} />
        <p>{t('caseDetail.notFound.body')}</p>
      </>
    );
  }
  return <RouteErrorView />;
}
