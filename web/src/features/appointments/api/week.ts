import { locale } from '../../../i18n';

/** A free slot as the server sends it: UTC instants. */
export interface SlotTime {
  start: string;
  end: string;
}

export interface DayOfSlots {
  /** `YYYY-MM-DD` in the customer's zone. */
  key: string;
  /** The day as people read it, e.g. "Monday, 12 January". */
  label: string;
  slots: { slot: SlotTime; time: string }[];
}

/** The customer's time zone: the browser's. */
export function customerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The calendar day of an instant in `zone`, as `YYYY-MM-DD`. */
export function dayKey(instant: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * The slots grouped by their day in the customer's zone, days in order, each slot with its
 * local time: what the week view shows (a slot's day is where the customer lives, not where
 * the support team works).
 */
export function groupByDay(slots: SlotTime[], zone: string, loc: string = locale()): DayOfSlots[] {
  const days = new Map<string, DayOfSlots>();
  const dayLabel = new Intl.DateTimeFormat(loc, { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long' });
  const timeLabel = new Intl.DateTimeFormat(loc, { timeZone: zone, hour: '2-digit', minute: '2-digit' });
  for (const slot of [...slots].sort((a, b) => a.start.localeCompare(b.start))) {
    const start = new Date(slot.start);
    const key = dayKey(start, zone);
    let day = days.get(key);
    if (!day) {
      day = { key, label: dayLabel.format(start), slots: [] };
      days.set(key, day);
    }
    day.slots.push({ slot, time: timeLabel.format(start) });
  }
  return [...days.values()];
}

/** The week `offset` weeks from now: [from, to) as RFC 3339 UTC instants. */
export function weekWindow(offset: number, now: Date = new Date()): { from: string; to: string } {
  const from = new Date(now.getTime() + offset * 7 * 86_400_000);
  // Whole minutes, so that the query (and its cache key) stays put within a minute.
  from.setUTCSeconds(0, 0);
  const to = new Date(from.getTime() + 7 * 86_400_000);
  return { from: from.toISOString(), to: to.toISOString() };
}
