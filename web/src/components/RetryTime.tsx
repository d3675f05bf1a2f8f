import { t, type MessageKey } from '../i18n';
import { formatDateTime, formatRelative, formatTime } from '../lib/format';
import { useNow } from '../lib/useNow';

/** "You can try again at 14:32 (in 12 minutes)" from a message with a `{when}` placeholder. */
export function RetryTime({ at, template }: { at: Date; template: MessageKey }) {
  const now = useNow();
  const sameDay = new Date(now).toDateString() === at.toDateString();
  const time = sameDay ? formatTime(at) : formatDateTime(at);
  // Never say "now" for a wait that has not quite run out.
  const relative = formatRelative(at, new Date(Math.min(now, at.getTime() - 60_000)));
  return <>{t(template, { when: t('common.tryAgainAt', { time, relative }) })}</>;
}
