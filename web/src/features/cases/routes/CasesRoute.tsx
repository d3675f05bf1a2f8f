import type { QueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ListPage } from '../../../components/ListPage';
import { t } from '../../../i18n';
import { listLoader, useListPage } from '../../../lib/useListPage';
import { CASE_SORTS, casesQuery, DEFAULT_CASE_SORT, parseCasesSearch } from '../api/cases';
import { CasesTable } from '../components/CasesTable';
import { ScopeFilter } from '../components/ScopeFilter';
import { ExportCasesButton } from '../components/ExportCasesButton';
import { StatusFilter } from '../components/StatusFilter';
import { useSession } from '../../../session/session';

const list = { path: '/cases', parse: parseCasesSearch, query: casesQuery };
const sortOptions = CASE_SORTS.map((value) => ({ value, label: t(`cases.sort.${value}`) }));

export const casesLoader = (queryClient: QueryClient) => listLoader(queryClient, list);

export function CasesRoute() {
  const cases = useListPage(list);
  const session = useSession();
  const { search, shown } = cases;
  const manager = session.user.role === 'manager';
  const filtered = search.q !== '' || search.status !== 'all' || (manager && search.scope === 'mine');

  return (
    <ListPage
      list={cases}
      source="cases"
      actions={
        <>
          {/* An export holds every case of the company: a manager's (decision 031). */}
          {manager && <ExportCasesButton customerId={session.customer.id} csrfToken={session.csrf_token} />}
          <Link to="/cases/new" className="button button--primary">
            {t('cases.newCase')}
          </Link>
        </>
      }
      filters={
        <>
          {manager && (
            <ScopeFilter
              value={shown.scope}
              onChange={(scope) => {
                cases.change({ scope: scope === 'company' ? undefined : scope });
              }}
            />
          )}
          <StatusFilter
            value={shown.status}
            onChange={(status) => {
              cases.change({ status: status === 'all' ? undefined : status });
            }}
          />
        </>
      }
      sortOptions={sortOptions}
      onSortChange={(sort) => {
        cases.change({ sort: sort === DEFAULT_CASE_SORT ? undefined : sort });
      }}
      emptyMessage={filtered ? t('cases.emptyFiltered') : t('cases.empty')}
      renderItems={(items) => <CasesTable cases={items} sort={search.sort} listSearch={cases.params.toString()} stale={cases.stale} />}
    />
  );
}
