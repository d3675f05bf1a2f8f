import { keepPreviousData, useQuery, type QueryClient } from '@tanstack/react-query';
import { useNavigation, useSearchParams, type LoaderFunctionArgs } from 'react-router';
import { EmptyState } from '../../../components/EmptyState';
import { PageHeader } from '../../../components/PageHeader';
import { Pagination } from '../../../components/Pagination';
import { ProblemMessage } from '../../../components/ProblemMessage';
import { SearchBox } from '../../../components/SearchBox';
import { SelectField } from '../../../components/SelectField';
import { StaleDataNotice } from '../../../components/StaleDataNotice';
import { LoadingScreen } from '../../../components/PendingBar';
import { t, tp } from '../../../i18n';
import { updateSearch } from '../../../lib/listSearch';
import { requireSession, useSession, withSession } from '../../../session/session';
import { DOCUMENT_SORTS, documentsQuery, parseDocumentsSearch, type DocumentSort } from '../api/documents';
import { DocumentsTable } from '../components/DocumentsTable';

export function documentsLoader(queryClient: QueryClient) {
  return async ({ request }: LoaderFunctionArgs) => {
    const session = await requireSession(queryClient, request);
    const search = parseDocumentsSearch(new URL(request.url).searchParams);
    // Other failures are shown inside the page, next to the search and paging controls.
    await withSession(queryClient, request, () => queryClient.query(documentsQuery(session.customer.id, search))).catch(
      (error: unknown) => {
        if (error instanceof Response) throw error;
      },
    );
    return null;
  };
}

const sortOptions = DOCUMENT_SORTS.map((value) => ({ value, label: t(`documents.sort.${value}`) }));

export function DocumentsRoute() {
  const session = useSession();
  const customerId = session.customer.id;
  const [params, setParams] = useSearchParams();
  const search = parseDocumentsSearch(params);
  const query = useQuery({ ...documentsQuery(customerId, search), placeholderData: keepPreviousData });
  const navigation = useNavigation();
  const pendingHere = navigation.state === 'loading' && navigation.location.pathname === '/documents';
  const stale = query.isPlaceholderData || pendingHere;
  // The controls show what the customer just chose, even while its results are loading.
  const shown = pendingHere ? parseDocumentsSearch(new URLSearchParams(navigation.location.search)) : search;

  function change(changes: Record<string, string | undefined>, cursors?: string[]) {
    setParams(updateSearch(params, changes, cursors));
  }

  const page = search.cursors.length + 1;
  const nextCursor = query.data?.data.next_cursor ?? null;

  return (
    <>
      <PageHeader title={t('documents.heading')} intro={t('documents.intro')} />
      <StaleDataNotice stale={query.data?.stale} source="documents" />
      <div className="toolbar">
        <SearchBox
          label={t('documents.searchLabel')}
          value={shown.q}
          onSearch={(q) => {
            change({ q });
          }}
        />
        <SelectField<DocumentSort>
          label={t('common.sortBy')}
          value={shown.sort}
          options={sortOptions}
          onChange={(sort) => {
            change({ sort });
          }}
        />
      </div>
      {query.isPending ? (
        <LoadingScreen />
      ) : query.isError && !query.data ? (
        <ProblemMessage
          error={query.error}
          onRetry={() => {
            void query.refetch();
          }}
        />
      ) : query.data.data.items.length === 0 ? (
        <EmptyState>
          <p>{search.q ? t('documents.emptySearch', { q: search.q }) : t('documents.empty')}</p>
        </EmptyState>
      ) : (
        <section aria-labelledby="documents-results">
          <p id="documents-results" className="results-summary" aria-live="polite">
            {tp('documents.summary', query.data.data.items.length, { page })}
            {stale ? <span className="results-summary__updating"> {t('common.updating')}</span> : null}
          </p>
          <DocumentsTable customerId={customerId} documents={query.data.data.items} sort={search.sort} stale={stale} />
          <Pagination
            page={page}
            hasPrevious={search.cursors.length > 0}
            hasNext={nextCursor !== null}
            onPrevious={() => {
              change({}, search.cursors.slice(0, -1));
            }}
            onNext={() => {
              if (nextCursor) change({}, [...search.cursors, nextCursor]);
            }}
          />
        </section>
      )}
    </>
  );
}
