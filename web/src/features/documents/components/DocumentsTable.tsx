import { useId } from 'react';
import type { PortalDocument } from '../../../api/types';
import { DateTime } from '../../../components/DateTime';
import { t } from '../../../i18n';
import { formatBytes } from '../../../lib/format';
import { documentTypeKey, downloadHref, type DocumentSort } from '../api/documents';

interface DocumentsTableProps {
  customerId: string;
  documents: readonly PortalDocument[];
  sort: DocumentSort;
  stale: boolean;
}

type SortableColumn = 'title' | 'size' | 'created_at';

function ariaSort(column: SortableColumn, sort: DocumentSort): 'ascending' | 'descending' | undefined {
  if (sort === column) return 'ascending';
  if (sort === `-${column}`) return 'descending';
  return undefined;
}

export function DocumentsTable({ customerId, documents, sort, stale }: DocumentsTableProps) {
  const captionId = useId();
  return (
    <div
      className={`table-scroll${stale ? ' is-stale' : ''}`}
      role="region"
      aria-labelledby={captionId}
      // Scrollable on narrow screens, so it must be reachable by keyboard.
      tabIndex={0}
    >
      <table className="data-table documents-table">
        <caption id={captionId} className="visually-hidden">
          {t('documents.caption')}
        </caption>
        <thead>
          <tr>
            <th scope="col" aria-sort={ariaSort('title', sort)}>
              {t('documents.col.title')}
            </th>
            <th scope="col">{t('documents.col.type')}</th>
            <th scope="col" className="numeric" aria-sort={ariaSort('size', sort)}>
              {t('documents.col.size')}
            </th>
            <th scope="col" aria-sort={ariaSort('created_at', sort)}>
              {t('documents.col.date')}
            </th>
            <th scope="col">
              <span className="visually-hidden">{t('documents.col.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {documents.map((document) => {
            const size = formatBytes(document.size_bytes);
            return (
              <tr key={document.id}>
                <th scope="row" className="documents-table__title">
                  <span className="cell-primary" dir="auto">{document.title}</span>
                  <span className="cell-secondary">{document.file_name}</span>
                </th>
                <td>{t(documentTypeKey(document))}</td>
                <td className="numeric">{size}</td>
                <td>
                  <DateTime value={document.created_at} />
                </td>
                <td>
                  <a
                    className="button button--secondary button--small"
                    href={downloadHref(customerId, document.id)}
                    aria-label={t('documents.downloadLabel', { title: document.title, size })}
                  >
                    {t('documents.download')}
                  </a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
