import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { chooseLanguage, language, t } from '../i18n';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES, type Language } from '../i18n/languages';
import { notePickedSignedOut, updateProfile } from '../session/profileLanguage';
import { sessionQuery } from '../session/session';

/**
 * The footer's language choice; each language is named in itself. Choosing one redraws the page.
 * Signed in, the choice is saved in the profile first (decision 032), so it follows the customer
 * to other browsers; if it cannot be saved, the page stays as it is and says so.
 */
export function LanguageSwitch() {
  const id = useId();
  const { data: session } = useQuery(sessionQuery);
  const [failed, setFailed] = useState(false);
  const [saving, setSaving] = useState(false);

  async function choose(next: Language) {
    if (!session) {
      notePickedSignedOut();
      chooseLanguage(next);
      return;
    }
    setSaving(true);
    setFailed(false);
    try {
      await updateProfile(session.customer.id, session.csrf_token, { language: next });
      chooseLanguage(next);
    } catch {
      setFailed(true);
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="language-switch">
      <label htmlFor={id}>{t('language.label')}</label>
      <select
        id={id}
        value={language()}
        disabled={saving}
        aria-describedby={failed ? `${id}-error` : undefined}
        onChange={(event) => {
          const next = event.target.value;
          if (isLanguage(next) && next !== language()) void choose(next);
        }}
      >
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LANGUAGE_NAMES[code]}
          </option>
        ))}
      </select>
      {failed ? (
        <p id={`${id}-error`} className="form-field__error" role="alert">
          {t('language.saveFailed')}
        </p>
      ) : null}
    </div>
  );
}
