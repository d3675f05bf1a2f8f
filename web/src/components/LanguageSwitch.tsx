import { useId } from 'react';
import { chooseLanguage, language, t } from '../i18n';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES } from '../i18n/languages';

/** The footer's language choice; each language is named in itself. Choosing one redraws the page. */
export function LanguageSwitch() {
  const id = useId();
  return (
    <div className="language-switch">
      <label htmlFor={id}>{t('language.label')}</label>
      <select
        id={id}
        value={language()}
        onChange={(event) => {
          const next = event.target.value;
          if (isLanguage(next) && next !== language()) chooseLanguage(next);
        }}
      >
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LANGUAGE_NAMES[code]}
          </option>
        ))}
      </select>
    </div>
  );
}
