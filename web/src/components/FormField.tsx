import type { ReactNode } from 'react';
import { t } from '../i18n';

export interface FieldControlProps {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': true | undefined;
}

interface FormFieldProps {
  id: string;
  label: string;
  hint?: string;
  error?: string | undefined;
  optional?: boolean;
  /** Extra text tied to the control (a character counter). */
  footer?: ReactNode;
  footerId?: string;
  children: (control: FieldControlProps) => ReactNode;
}

/** Label, hint, error and control wired together the way screen readers expect. */
export function FormField({ id, label, hint, error, optional = false, footer, footerId, children }: FormFieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId, footerId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`form-field${error ? ' form-field--error' : ''}`}>
      <label htmlFor={id} className="form-field__label">
        {label}
        {optional ? <span className="form-field__optional"> {t('common.optional')}</span> : null}
      </label>
      {hint ? (
        <p id={hintId} className="form-field__hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="form-field__error">
          <span className="visually-hidden">{t('errors.fieldPrefix')}</span> {error}
        </p>
      ) : null}
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {footer}
    </div>
  );
}
