import { useId } from 'react';
import { Link } from 'react-router';
import type { Case } from '../../../api/types';
import { DateTime } from '../../../components/DateTime';
import { t } from '../../../i18n';
import type { CaseSort } from '../api/cases';
import { PriorityLabel, StatusBadge } from './CaseBadges';

interface CasesTableProps {
  cases: readonly Case[];
  sort: CaseSort;
  /** The list's query string, so the case page can link back to the same view. */
  listSearch: string;
  stale: boolean;
}

type Column = 'case_number' | 'subject' | 'status' | 'priority' | 'created_at' | 'updated_at';

function ariaSort(column: Column, sort: CaseSort): 'ascending' | 'descending' | undefined {
  if (sort === column) return 'ascending';
  if (sort === `-${column}`) return 'descending';
  return undefined;
}

export function CasesTable({ cases, sort, listSearch, stale }: CasesTableProps) {
  const captionId = useId();
  return (
    <div className={`table-scroll${stale ? ' is-stale' : ''}`} role="region" aria-labelledby={captionId} tabIndex={0}>
      <table className="data-table cases-table">
        <caption id={captionId} className="visually-hidden">
          {t('cases.caption')}
        </caption>
        <thead>
          <tr>
            <th scope="col" aria-sort={ariaSort('case_number', sort)}>
              {t('cases.col.number')}
            </th>
            <th scope="col" aria-sort={ariaSort('subject', sort)}>
              {t('cases.col.subject')}
            </th>
            <th scope="col" aria-sort={ariaSort('status', sort)}>
              {t('cases.col.status')}
            </th>
            <th scope="col" aria-sort={ariaSort('priority', sort)}>
              {t('cases.col.priority')}
            </th>
            <th scope="col" aria-sort={ariaSort('created_at', sort)}>
              {t('cases.col.created')}
            </th>
            <th scope="col" aria-sort={ariaSort('updated_at', sort)}>
              {t('cases.col.updated')}
            </th>
          </tr>
        </thead>
        <tbody>
          {cases.map((item) => (
            <tr key={item.id}>
              <td className="cases-table__number">{item.case_number}</td>
              <th scope="row" className="cases-table__subject">
                <Link to={`/cases/${encodeURIComponent(item.id)}`} state={{ listSearch }} dir="auto">
                  {item.subject}
                </Link>
              </th>
              <td>
                <StatusBadge status={item.status} />
                {item.awaiting === 'customer' ? <span className="awaiting-tag">{t('cases.awaitingYou')}</span> : null}
              </td>
              <td>
                <PriorityLabel priority={item.priority} />
              </td>
              <td>
                <DateTime value={item.created_at} />
              </td>
              <td>
                <DateTime value={item.updated_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
