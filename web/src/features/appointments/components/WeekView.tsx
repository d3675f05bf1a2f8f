import { t } from '../../../i18n';
import type { DayOfSlots } from '../api/week';

interface WeekViewProps {
  days: DayOfSlots[];
  /** The chosen slot's start, if any. */
  chosen: string | null;
  onChoose: (start: string) => void;
  /** The radio group's name (one choice across the week). */
  name: string;
}

/**
 * A week of free slots: one group per day (its legend the day), each slot a radio button, so
 * that the arrow keys move between times and Tab leaves the week. Times are in the customer's
 * zone.
 */
export function WeekView({ days, chosen, onChoose, name }: WeekViewProps) {
  if (days.length === 0) {
    return <p className="week__empty">{t('appointments.noSlots')}</p>;
  }
  return (
    <div className="week">
      {days.map((day) => (
        <fieldset key={day.key} className="week__day">
          <legend className="week__legend">{day.label}</legend>
          <ul className="week__slots">
            {day.slots.map(({ slot, time }) => (
              <li key={slot.start}>
                <label className="week__slot">
                  <input
                    type="radio"
                    name={name}
                    value={slot.start}
                    checked={chosen === slot.start}
                    onChange={() => {
                      onChoose(slot.start);
                    }}
                  />
                  <span>{time}</span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      ))}
    </div>
  );
}
