import { staleSince, type Staleness } from '../api/freshness';
import { t } from '../i18n';
import { formatRelative } from '../lib/format';
import { useNow } from '../lib/useNow';

/** Below this age, a relative time would read "now": say "less than a minute ago" instead. */
const RECENT_MS = 45_000;

interface StaleDataNoticeProps {
  /** From the query's data: set when the server answered from its cache. */
  stale: Staleness | null | undefined;
  /** Which of our systems could not be reached, in the customer's words. */
  source: 'cases' | 'documents';
}

/**
 * Says, politely and without taking focus, that the page shows cached data because Salesforce
 * could not be reached. The live region (role="status") is always rendered so that a notice
 * appearing after a refetch is announced; it is empty while the data is fresh.
 */
export function StaleDataNotice({ stale, source }: StaleDataNoticeProps) {
  return (
    <div role="status" className="stale-notice-region">
      {stale ? <StaleDataMessage stale={stale} source={source} /> : null}
    </div>
  );
}

function StaleDataMessage({ stale, source }: { stale: Staleness; source: StaleDataNoticeProps['source'] }) {
  const now = Math.max(useNow(), stale.receivedAt);
  const since = staleSince(stale);
  let age: string;
  if (since === null) age = t('staleData.ageUnknown');
  else if (now - since.getTime() < RECENT_MS) age = t('staleData.ageRecent');
  else age = t('staleData.age', { relative: formatRelative(since, new Date(now)) });
  return (
    <div className="alert alert--warning stale-notice">
      <p>
        {t(source === 'cases' ? 'staleData.unreachable.cases' : 'staleData.unreachable.documents')} {age}
      </p>
    </div>
  );
}
