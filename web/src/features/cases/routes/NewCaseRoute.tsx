import { PageHeader } from '../../../components/PageHeader';
import { t } from '../../../i18n';
import { useSession } from '../../../session/session';
import { NewCaseForm } from '../components/NewCaseForm';
import { BackToCases } from '../components/BackToCases';

export function NewCaseRoute() {
  const session = useSession();
  return (
    <>
      <BackToCases />
      <PageHeader title={t('newCase.heading')} documentTitle={t('title.newCase')} intro={t('newCase.intro')} />
      <NewCaseForm customerId={session.customer.id} csrfToken={session.csrf_token} />
    </>
  );
}
