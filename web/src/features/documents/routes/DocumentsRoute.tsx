import type { QueryClient } from '@tanstack/react-query';
import { ListPage } from '../../../components/ListPage';
import { t } from '../../../i18n';
import { listLoader, useListPage } from '../../../lib/useListPage';
import { DOCUMENT_SORTS, documentsQuery, parseDocumentsSearch } from '../api/documents';
import { DocumentsTable } from '../components/DocumentsTable';

const list = { path: '/documents', parse: parseDocumentsSearch, query: documentsQuery };
const sortOptions = DOCUMENT_SORTS.map((value) => ({ value, label: t(`documents.sort.${value}`) }));

export const documentsLoader = (queryClient: QueryClient) => listLoader(queryClient, list);

export function DocumentsRoute() {
  const documents = useListPage(list);
  const { q } = documents.search;

  return (
    <ListPage
      list={documents}
      source="documents"
      sortOptions={sortOptions}
      onSortChange={(sort) => {
        documents.change({ sort });
      }}
      emptyMessage={q ? t('documents.emptySearch', { q }) : t('documents.empty')}
      renderItems={(items) => (
        <DocumentsTable customerId={documents.customerId} documents={items} sort={documents.search.sort} stale={documents.stale} />
      )}
    />
  );
}
