import { t } from '../i18n';
import { formatDateTime, formatRelative, parseTimestamp } from '../lib/format';
import { useNow } from '../lib/useNow';

interface DateTimeProps {
  value: string;
  /** `stacked`: relative above absolute (tables); `inline`: "3 days ago (12 Mar 2026, 14:05)". */
  variant?: 'stacked' | 'inline';
}

/** A timestamp shown both relative to now and in full, in the customer's locale and time zone. */
export function DateTime({ value, variant = 'stacked' }: DateTimeProps) {
  const now = useNow();
  const date = parseTimestamp(value);
  if (!date) return <span>{value}</span>;
  const relative = formatRelative(date, new Date(now));
  const absolute = formatDateTime(date);
  return (
    <time dateTime={value} className={`datetime datetime--${variant}`}>
      <span className="datetime__relative">{relative}</span>
      <span className="datetime__absolute">{variant === 'inline' ? t('dates.absoluteInline', { absolute }) : absolute}</span>
    </time>
  );
}
