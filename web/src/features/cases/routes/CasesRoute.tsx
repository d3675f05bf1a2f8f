import { keepPreviousData, useQuery, type QueryClient } from '@tanstack/react-query';
import { Link, useNavigation, useSearchParams, type LoaderFunctionArgs } from 'react-router';
import { EmptyState } from '../../../components/EmptyState';
import { PageHeader } from '../../../components/PageHeader';
import { Pagination } from '../../../components/Pagination';
import { LoadingScreen } from '../../../components/PendingBar';
import { ProblemMessage } from '../../../components/ProblemMessage';
import { SearchBox } from '../../../components/SearchBox';
import { SelectField } from '../../../components/SelectField';
import { StaleDataNotice } from '../../../components/StaleDataNotice';
import { t, tp } from '../../../i18n';
import { updateSearch } from '../../../lib/listSearch';
import { requireSession, useSession, withSession } from '../../../session/session';
import { CASE_SORTS, casesQuery, parseCasesSearch, type CaseSort } from '../api/cases';
import { CasesTable } from '../components/CasesTable';
import { StatusFilter } from '../components/StatusFilter';

export function casesLoader(queryClient: QueryClient) {
  return async ({ request }: LoaderFunctionArgs) => {
    const session = await requireSession(queryClient, request);
    const search = parseCasesSearch(new URL(request.url).searchParams);
    // Other failures are shown inside the page, next to the filters.
    await withSession(queryClient, request, () => queryClient.query(casesQuery(session.customer.id, search))).catch(
      (error: unknown) => {
        if (error instanceof Response) throw error;
      },
    );
    return null;
  };
}

const sortOptions = CASE_SORTS.map((value) => ({ value, label: t(`cases.sort.${value}`) }));

export function CasesRoute() {
  const session = useSession();
  const customerId = session.customer.id;
  const [params, setParams] = useSearchParams();
  const search = parseCasesSearch(params);
  const query = useQuery({ ...casesQuery(customerId, search), placeholderData: keepPreviousData });
  const navigation = useNavigation();
  const pendingHere = navigation.state === 'loading' && navigation.location.pathname === '/cases';
  const stale = query.isPlaceholderData || pendingHere;
  // The controls show what the customer just chose, even while its results are loading.
  const shown = pendingHere ? parseCasesSearch(new URLSearchParams(navigation.location.search)) : search;

  function change(changes: Record<string, string | undefined>, cursors?: string[]) {
    setParams(updateSearch(params, changes, cursors));
  }

  const page = search.cursors.length + 1;
  const filtered = search.q !== '' || search.status !== 'all';
  const data = query.data?.data;

  let body;
  if (data) {
    const nextCursor = data.next_cursor ?? null;
    body =
      data.items.length === 0 ? (
        <EmptyState>
          <p>{filtered ? t('cases.emptyFiltered') : t('cases.empty')}</p>
        </EmptyState>
      ) : (
        <section aria-labelledby="cases-results">
          <p id="cases-results" className="results-summary" aria-live="polite">
            {tp('cases.summary', data.items.length, { page })}
            {stale ? <span className="results-summary__updating"> {t('common.updating')}</span> : null}
          </p>
          <CasesTable cases={data.items} sort={search.sort} listSearch={params.toString()} stale={stale} />
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
      );
  } else if (query.isError) {
    body = (
      <ProblemMessage
        error={query.error}
        onRetry={() => {
          void query.refetch();
        }}
      />
    );
  } else {
    body = <LoadingScreen />;
  }

  return (
    <>
      <PageHeader
        title={t('cases.heading')}
        intro={t('cases.intro')}
        actions={
          <Link to="/cases/new" className="button button--primary">
            {t('cases.newCase')}
          </Link>
        }
      />
      <StaleDataNotice stale={query.data?.stale} source="cases" />
      <div className="toolbar">
        <StatusFilter
          value={shown.status}
          onChange={(status) => {
            change({ status: status === 'all' ? undefined : status });
          }}
        />
        <SearchBox
          label={t('cases.searchLabel')}
          value={shown.q}
          onSearch={(q) => {
            change({ q });
          }}
        />
        <SelectField<CaseSort>
          label={t('common.sortBy')}
          value={shown.sort}
          options={sortOptions}
          onChange={(sort) => {
            change({ sort: sort === '-created_at' ? undefined : sort });
          }}
        />
      </div>
      {body}
    </>
  );
}
