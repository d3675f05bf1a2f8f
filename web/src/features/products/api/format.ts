import { locale } from '../../../i18n';

/**
 * A calendar day (`YYYY-MM-DD`, as Salesforce sends a date field) in the customer's locale. It is
 * a day, not a moment: formatted in UTC so that no time zone moves it to the day before.
 */
export function formatDay(value: string, loc: string = locale()): string {
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(loc, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}
