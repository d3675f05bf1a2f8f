import { t } from '../i18n';

interface PaginationProps {
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}

/**
 * Previous / next paging for cursor-based lists. The buttons stay in the DOM and use
 * aria-disabled rather than `disabled`, so keyboard focus is not lost when one runs out.
 */
export function Pagination({ page, hasPrevious, hasNext, onPrevious, onNext }: PaginationProps) {
  return (
    <nav className="pagination" aria-label={t('common.pagination')}>
      <button
        type="button"
        className="button button--secondary"
        aria-disabled={!hasPrevious}
        onClick={() => {
          if (hasPrevious) onPrevious();
        }}
      >
        <span aria-hidden="true">{t('common.previousIcon')} </span>
        {t('common.previous')}
      </button>
      <span className="pagination__page">{t('common.page', { page })}</span>
      <button
        type="button"
        className="button button--secondary"
        aria-disabled={!hasNext}
        onClick={() => {
          if (hasNext) onNext();
        }}
      >
        {t('common.next')}
        <span aria-hidden="true"> {t('common.nextIcon')}</span>
      </button>
    </nav>
  );
}
