import { useId, useState } from 'react';
import { t } from '../i18n';
import { setTheme, storedTheme, THEME_CHOICES, type ThemeChoice } from './theme';

const LABELS = {
  system: 'theme.system',
  light: 'theme.light',
  dark: 'theme.dark',
} as const satisfies Record<ThemeChoice, string>;

/** The footer's theme choice: follows the system until the customer picks light or dark. */
export function ThemeSwitch() {
  const id = useId();
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme);
  return (
    <div className="theme-switch">
      <label htmlFor={id}>{t('theme.label')}</label>
      <select
        id={id}
        value={choice}
        onChange={(event) => {
          const next = THEME_CHOICES.find((value) => value === event.target.value);
          if (next) {
            setChoice(next);
            setTheme(next);
          }
        }}
      >
        {THEME_CHOICES.map((value) => (
          <option key={value} value={value}>
            {t(LABELS[value])}
          </option>
        ))}
      </select>
    </div>
  );
}
