import type { CasePriority, CaseStatus } from '../../../api/types';
import { t } from '../../../i18n';

/** Status as a coloured pill; the text carries the meaning, the colour only helps. */
export function StatusBadge({ status }: { status: CaseStatus }) {
  return <span className={`badge badge--${status.replaceAll('_', '-')}`}>{t(`case.status.${status}`)}</span>;
}

export function PriorityLabel({ priority }: { priority: CasePriority }) {
  return (
    <span className={`priority priority--${priority}`}>
      <span className="priority__marker" aria-hidden="true" />
      {t(`case.priority.${priority}`)}
    </span>
  );
}
