import { useState } from 'react';
import { t } from '../../../i18n';
import { CASE_STATUS_FILTERS, type CaseStatusFilter } from '../api/cases';

interface StatusFilterProps {
  value: CaseStatusFilter;
  onChange: (value: CaseStatusFilter) => void;
}

/** All / Open / Closed as a radio group styled as a segmented control (arrow keys move). */
export function StatusFilter({ value, onChange }: StatusFilterProps) {
  // The choice shows at once; the URL (and so `value`) follows when the navigation commits.
  const [chosen, setChosen] = useState(value);
  const [lastValue, setLastValue] = useState(value);
  if (value !== lastValue) {
    setLastValue(value);
    setChosen(value);
  }
  return (
    <fieldset className="segmented">
      <legend className="segmented__legend">{t('cases.filterLabel')}</legend>
      <div className="segmented__options">
        {CASE_STATUS_FILTERS.map((option) => (
          <label key={option} className="segmented__option">
            <input
              type="radio"
              name="status"
              value={option}
              checked={chosen === option}
              onChange={() => {
                setChosen(option);
                onChange(option);
              }}
            />
            <span>{t(`cases.filter.${option}`)}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
