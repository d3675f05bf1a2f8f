import { useQuery, type QueryClient } from '@tanstack/react-query';
import { useLocation, useParams, type LoaderFunctionArgs } from 'react-router';
import { Alert } from '../../../components/Alert';
import { DateTime } from '../../../components/DateTime';
import { PageHeader } from '../../../components/PageHeader';
import { LoadingScreen } from '../../../components/PendingBar';
import { ProblemMessage } from '../../../components/ProblemMessage';
import { StaleDataNotice } from '../../../components/StaleDataNotice';
import { t } from '../../../i18n';
import { requireSession, useSession, withSession } from '../../../session/session';
import { caseQuery } from '../api/case';
import { BackToCases } from '../components/BackToCases';
import { CaseAttachments } from '../components/CaseAttachments';
import { CaseStatusActions } from '../components/CaseStatusActions';
import { Conversation } from '../components/Conversation';
import { PriorityLabel, StatusBadge } from '../components/CaseBadges';

export function caseDetailLoader(queryClient: QueryClient) {
  return async ({ request, params }: LoaderFunctionArgs) => {
    const session = await requireSession(queryClient, request);
    const caseId = params.caseId ?? '';
    // A 404 (not found, or not this customer's) goes to the route's error element.
    await withSession(queryClient, request, () => queryClient.query(caseQuery(session.customer.id, caseId)));
    return null;
  };
}

interface DetailState {
  listSearch?: string;
  createdCaseNumber?: string;
}

function readState(state: unknown): DetailState {
  if (typeof state !== 'object' || state === null) return {};
  const record = state as Record<string, unknown>;
  return {
    ...(typeof record.listSearch === 'string' ? { listSearch: record.listSearch } : {}),
    ...(typeof record.createdCaseNumber === 'string' ? { createdCaseNumber: record.createdCaseNumber } : {}),
  };
}

export function CaseDetailRoute() {
  const session = useSession();
  const { caseId = '' } = useParams();
  const location = useLocation();
  const state = readState(location.state);
  const query = useQuery(caseQuery(session.customer.id, caseId));

  if (!query.data) {
    return query.isError ? (
      <>
        <BackToCases listSearch={state.listSearch} />
        <ProblemMessage
          error={query.error}
          onRetry={() => {
            void query.refetch();
          }}
        />
      </>
    ) : (
      <LoadingScreen />
    );
  }

  const { data: item, stale } = query.data;
  return (
    <article className="case-detail">
      <BackToCases listSearch={state.listSearch} />
      {state.createdCaseNumber ? (
        <Alert tone="success" focusAfterNavigation>
          <p>{t('caseDetail.created.success', { number: state.createdCaseNumber })}</p>
        </Alert>
      ) : null}
      <PageHeader title={item.subject} documentTitle={t('title.case', { number: item.case_number })} />
      <p className="case-detail__meta">
        <span className="case-detail__number">{item.case_number}</span>
        <StatusBadge status={item.status} />
      </p>
      <StaleDataNotice stale={stale} source="cases" />

      <section aria-labelledby="case-details-heading" className="card">
        <h2 id="case-details-heading">{t('caseDetail.details')}</h2>
        <dl className="details-list">
          <div>
            <dt>{t('caseDetail.number')}</dt>
            <dd>{item.case_number}</dd>
          </div>
          <div>
            <dt>{t('caseDetail.status')}</dt>
            <dd>
              <StatusBadge status={item.status} />
            </dd>
          </div>
          <div>
            <dt>{t('caseDetail.priority')}</dt>
            <dd>
              <PriorityLabel priority={item.priority} />
            </dd>
          </div>
          <div>
            <dt>{t('caseDetail.created')}</dt>
            <dd>
              <DateTime value={item.created_at} variant="inline" />
            </dd>
          </div>
          <div>
            <dt>{t('caseDetail.updated')}</dt>
            <dd>
              <DateTime value={item.updated_at} variant="inline" />
            </dd>
          </div>
          <div>
            <dt>{t('caseDetail.closed')}</dt>
            <dd>{item.closed_at ? <DateTime value={item.closed_at} variant="inline" /> : t('caseDetail.notClosed')}</dd>
          </div>
        </dl>
      </section>

      <CaseStatusActions item={item} customerId={session.customer.id} csrfToken={session.csrf_token} />

      <section aria-labelledby="case-description-heading" className="card">
        <h2 id="case-description-heading">{t('caseDetail.description')}</h2>
        <div className="case-detail__description" dir="auto">{item.description}</div>
      </section>

      <Conversation customerId={session.customer.id} csrfToken={session.csrf_token} caseItem={item} />

      <CaseAttachments caseId={item.id} />
    </article>
  );
}
