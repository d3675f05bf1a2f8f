import type { ReactNode } from 'react';
import { t, tp } from '../i18n';
import type { ListPageState, ListSearch } from '../lib/useListPage';
import { EmptyState } from './EmptyState';
import { PageHeader } from './PageHeader';
import { Pagination } from './Pagination';
import { LoadingScreen } from './PendingBar';
import { ProblemMessage } from './ProblemMessage';
import { SearchBox } from './SearchBox';
import { SelectField } from './SelectField';
import { StaleDataNotice } from './StaleDataNotice';

interface ListPageProps<S extends ListSearch, Item> {
  list: ListPageState<S, Item>;
  /**
   * Which list this is. Its texts are the catalogue's `<source>.heading`, `.intro`,
   * `.searchLabel` and `.summary`; it names the unreachable system in the stale-data notice.
   */
  source: 'cases' | 'documents';
  /** Beside the heading, e.g. a link to create an item. */
  actions?: ReactNode;
  /** The list's own controls, before the search box. */
  filters?: ReactNode;
  sortOptions: readonly { value: S['sort']; label: string }[];
  onSortChange: (sort: S['sort']) => void;
  /** Shown instead of the results when the page has no items. */
  emptyMessage: string;
  renderItems: (items: readonly Item[]) => ReactNode;
}

/**
 * The shell of a searchable, sortable, cursor-paged list: heading, stale-data notice, toolbar,
 * then the results (or loading, empty or error state) with paging. Failures show in the page so
 * that the controls stay usable; the summary is a polite live region so that a new page, or
 * results being updated, is announced without moving focus.
 */
export function ListPage<S extends ListSearch, Item>({
  list,
  source,
  actions,
  filters,
  sortOptions,
  onSortChange,
  emptyMessage,
  renderItems,
}: ListPageProps<S, Item>) {
  const { query } = list;
  const data = query.data?.data;
  const resultsId = `${source}-results`;

  let body;
  if (data) {
    body =
      data.items.length === 0 ? (
        <EmptyState>
          <p>{emptyMessage}</p>
        </EmptyState>
      ) : (
        <section aria-labelledby={resultsId}>
          <p id={resultsId} className="results-summary" aria-live="polite">
            {tp(`${source}.summary`, data.items.length, { page: list.page })}
            {list.stale ? <span className="results-summary__updating"> {t('common.updating')}</span> : null}
          </p>
          {renderItems(data.items)}
          <Pagination
            page={list.page}
            hasPrevious={list.hasPrevious}
            hasNext={list.hasNext}
            onPrevious={list.previousPage}
            onNext={list.nextPage}
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
      <PageHeader title={t(`${source}.heading`)} intro={t(`${source}.intro`)} actions={actions} />
      <StaleDataNotice stale={query.data?.stale} source={source} />
      <div className="toolbar">
        {filters}
        <SearchBox
          label={t(`${source}.searchLabel`)}
          value={list.shown.q}
          onSearch={(q) => {
            list.change({ q });
          }}
        />
        <SelectField<S['sort']> label={t('common.sortBy')} value={list.shown.sort} options={sortOptions} onChange={onSortChange} />
      </div>
      {body}
    </>
  );
}
