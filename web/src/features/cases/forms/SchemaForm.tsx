import type { FormDetail, FormFieldHint } from '../../../api/types';
import { FormField } from '../../../components/FormField';
import { t } from '../../../i18n';
import { isVisible, type FormInput } from './validate';

/** The id of a dynamic form field's control (what error summaries link to). */
export function formFieldId(name: string): string {
  return `form-field-${name}`;
}

interface SchemaFormProps {
  form: FormDetail;
  values: FormInput;
  /** Messages by field name. */
  errors: Record<string, string | undefined>;
  onChange: (name: string, value: string | boolean) => void;
}

/**
 * Renders any dynamic form from its UI hints, in their order: no per-form code. A field hidden
 * by its condition is not rendered (and its value is not sent).
 */
export function SchemaForm({ form, values, errors, onChange }: SchemaFormProps) {
  const required = new Set((form.schema as { required?: string[] }).required ?? []);
  const conditional = new Set(
    ((form.schema as { allOf?: { then?: { required?: string[] } }[] }).allOf ?? []).flatMap((rule) => rule.then?.required ?? []),
  );
  return (
    <fieldset className="form-field schema-form">
      <legend className="form-field__label">{t('forms.details', { form: form.label })}</legend>
      {form.description ? <p className="form-field__hint">{form.description}</p> : null}
      {form.ui.order.map((name) => {
        const hint = form.ui.fields[name];
        if (!hint || !isVisible(hint, values)) return null;
        return (
          <SchemaField
            key={name}
            name={name}
            hint={hint}
            optional={!required.has(name) && !conditional.has(name)}
            value={values[name]}
            error={errors[name]}
            onChange={(value) => {
              onChange(name, value);
            }}
          />
        );
      })}
    </fieldset>
  );
}

interface SchemaFieldProps {
  name: string;
  hint: FormFieldHint;
  optional: boolean;
  value: string | boolean | undefined;
  error: string | undefined;
  onChange: (value: string | boolean) => void;
}

function SchemaField({ name, hint, optional, value, error, onChange }: SchemaFieldProps) {
  const id = formFieldId(name);
  const help = hint.help ?? undefined;
  if (hint.widget === 'checkbox') {
    const hintId = help ? `${id}-hint` : undefined;
    const errorId = error ? `${id}-error` : undefined;
    return (
      <div className={`form-field checkbox${error ? ' form-field--error' : ''}`}>
        {error ? (
          <p id={errorId} className="form-field__error">
            <span className="visually-hidden">{t('errors.fieldPrefix')}</span> {error}
          </p>
        ) : null}
        <input
          id={id}
          type="checkbox"
          name={name}
          checked={value === true}
          aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
          aria-invalid={error ? true : undefined}
          onChange={(event) => {
            onChange(event.target.checked);
          }}
        />
        <label htmlFor={id}>{hint.label}</label>
        {help ? (
          <p id={hintId} className="form-field__hint">
            {help}
          </p>
        ) : null}
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  return (
    <FormField id={id} label={hint.label} hint={help} error={error} optional={optional}>
      {(control) => {
        switch (hint.widget) {
          case 'textarea':
            return (
              <textarea
                {...control}
                name={name}
                rows={5}
                value={text}
                onChange={(event) => {
                  onChange(event.target.value);
                }}
              />
            );
          case 'picklist':
            return (
              <select
                {...control}
                name={name}
                value={text}
                onChange={(event) => {
                  onChange(event.target.value);
                }}
              >
                <option value="">{t('forms.choosePlaceholder')}</option>
                {hint.options.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
            );
          default:
            return (
              <input
                {...control}
                name={name}
                type={hint.widget === 'number' ? 'text' : hint.widget === 'text' ? 'text' : hint.widget}
                inputMode={hint.widget === 'number' ? 'decimal' : undefined}
                autoComplete={hint.widget === 'email' ? 'email' : 'off'}
                value={text}
                onChange={(event) => {
                  onChange(event.target.value);
                }}
              />
            );
        }
      }}
    </FormField>
  );
}
