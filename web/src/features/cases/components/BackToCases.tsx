import { Link } from 'react-router';
import { t } from '../../../i18n';

/** Back to the list, to the same filters and page the customer came from when known. */
export function BackToCases({ listSearch }: { listSearch?: string | undefined }) {
  return (
    <p className="back-link">
      <Link to={listSearch ? `/cases?${listSearch}` : '/cases'}>
        <span aria-hidden="true">{t('caseDetail.backIcon')} </span>
        {t('caseDetail.back')}
      </Link>
    </p>
  );
}
