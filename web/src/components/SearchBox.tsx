import { useId, useState, type SubmitEvent } from 'react';
import { t } from '../i18n';

interface SearchBoxProps {
  label: string;
  value: string;
  onSearch: (query: string) => void;
}

/** A search landmark with a labelled field; searches on submit (Enter or the button). */
export function SearchBox({ label, value, onSearch }: SearchBoxProps) {
  const id = useId();
  const [draft, setDraft] = useState(value);
  const [lastValue, setLastValue] = useState(value);
  // Follow the URL when it changes under us (back button, cleared filters).
  if (value !== lastValue) {
    setLastValue(value);
    setDraft(value);
  }

  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    onSearch(draft.trim());
  }

  return (
    <form role="search" className="search-box" onSubmit={submit}>
      <label htmlFor={id}>{label}</label>
      <div className="search-box__row">
        <input
          id={id}
          type="search"
          name="q"
          value={draft}
          maxLength={200}
          autoComplete="off"
          onChange={(event) => {
            setDraft(event.target.value);
          }}
        />
        <button type="submit" className="button button--secondary">
          {t('common.search')}
        </button>
        {value ? (
          <button
            type="button"
            className="button button--link"
            onClick={() => {
              setDraft('');
              onSearch('');
            }}
          >
            {t('common.clearSearch')}
          </button>
        ) : null}
      </div>
    </form>
  );
}
