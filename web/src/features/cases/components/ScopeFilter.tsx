import { useState } from 'react';
import { t } from '../../../i18n';
import { CASE_SCOPES, type CaseScope } from '../api/cases';

interface ScopeFilterProps {
  value: CaseScope;
  onChange: (value: CaseScope) => void;
}

/**
 * "My company's cases / My cases" for a manager (decision 031), a segmented radio group like the
 * status filter. Members see only their own and shared cases, so they are not offered it.
 */
export function ScopeFilter({ value, onChange }: ScopeFilterProps) {
  // The choice shows at once; the URL (and so `value`) follows when the navigation commits.
  const [chosen, setChosen] = useState(value);
  const [lastValue, setLastValue] = useState(value);
  if (value !== lastValue) {
    setLastValue(value);
    setChosen(value);
  }
  return (
    <fieldset className="segmented">
      <legend className="segmented__legend">{t('roles.scopeLabel')}</legend>
      <div className="segmented__options">
        {CASE_SCOPES.map((option) => (
          <label key={option} className="segmented__option">
            <input
              type="radio"
              name="scope"
              value={option}
              checked={chosen === option}
              onChange={() => {
                setChosen(option);
                onChange(option);
              }}
            />
            <span>{t(`roles.scope.${option}`)}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
