import { Validator, type OutputUnit } from '@cfworker/json-schema';
import type { FormDetail, FormFieldHint } from '../../../api/types';
import { t } from '../../../i18n';

/**
 * A dynamic form's values as the customer entered them: text as typed (numbers too, until
 * they are sent), checkboxes as booleans.
 */
export type FormInput = Record<string, string | boolean>;

/**
 * Why a field's value was refused: the JSON Schema keyword, one per field. When a value breaks
 * several, the first in this order is reported — the server's rule too (decision 029), which
 * the shared corpus (`fixtures/corpus.json`) checks on both sides.
 */
export const REFUSALS = [
  'type',
  'required',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'enum',
  'additionalProperties',
] as const;
export type Refusal = (typeof REFUSALS)[number];

function isRefusal(keyword: string): keyword is Refusal {
  return (REFUSALS as readonly string[]).includes(keyword);
}

const PROPERTY_IN_MESSAGE = /"([^"]+)"/;

/** The field an error is about: the property a `required`/`additionalProperties` error names, else the first segment of its location. */
function fieldOf(unit: OutputUnit): string | undefined {
  if (unit.keyword === 'required' || unit.keyword === 'additionalProperties') {
    return PROPERTY_IN_MESSAGE.exec(unit.error)?.[1];
  }
  const segment = unit.instanceLocation.replace(/^#\/?/, '').split('/')[0];
  return segment ? decodeURIComponent(segment.replace(/~1/g, '/').replace(/~0/g, '~')) : undefined;
}

/** Whether the field is shown: no condition, or the other field has the value. */
export function isVisible(hint: FormFieldHint, values: Record<string, unknown>): boolean {
  const when = hint.visible_when;
  if (!when) return true;
  return values[when.field] === when.equals;
}

/** The values without those of fields hidden by their condition (never checked, never sent). */
export function visibleValues(form: FormDetail, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const hint = form.ui.fields[name];
    if (!hint || isVisible(hint, values)) out[name] = value;
  }
  return out;
}

const validators = new WeakMap<object, Validator>();

function validatorOf(form: FormDetail): Validator {
  let validator = validators.get(form);
  if (!validator) {
    // Interpreted, not compiled to code: the portal's CSP forbids `new Function`.
    validator = new Validator(form.schema, '2020-12', false);
    validators.set(form, validator);
  }
  return validator;
}

/** Every refused field with its one refusal, in the form's order (unknown fields last). */
export function refusals(form: FormDetail, values: Record<string, unknown>): Record<string, Refusal> {
  const result = validatorOf(form).validate(visibleValues(form, values));
  const found: Record<string, Refusal> = {};
  for (const unit of result.errors) {
    if (!isRefusal(unit.keyword)) continue;
    const field = fieldOf(unit);
    if (field === undefined || field === '') continue;
    const current = found[field];
    if (current === undefined || REFUSALS.indexOf(unit.keyword) < REFUSALS.indexOf(current)) found[field] = unit.keyword;
  }
  const order = form.ui.order;
  const position = (name: string) => {
    const i = order.indexOf(name);
    return i === -1 ? order.length : i;
  };
  return Object.fromEntries(
    Object.entries(found).sort(([a], [b]) => position(a) - position(b) || a.localeCompare(b)),
  );
}

/** The values as the server takes them: empty text left out, numbers as numbers, hidden fields dropped. */
export function toFields(form: FormDetail, input: FormInput): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of form.ui.order) {
    const hint = form.ui.fields[name];
    const raw = input[name];
    if (!hint || raw === undefined) continue;
    if (typeof raw === 'boolean') {
      values[name] = raw;
      continue;
    }
    if (raw === '') continue;
    if (hint.widget === 'number') {
      const number = Number(raw.trim());
      // Not a number: sent as typed, so that it is refused as the server would refuse it.
      values[name] = raw.trim() !== '' && Number.isFinite(number) ? number : raw;
    } else {
      values[name] = raw;
    }
  }
  return visibleValues(form, values);
}

type Property = { maxLength?: number; minimum?: number; maximum?: number };

/** The customer's message for a refusal of `name`. */
export function refusalMessage(form: FormDetail, name: string, refusal: Refusal): string {
  const hint = form.ui.fields[name];
  if (!hint) return t('forms.notPartOfForm');
  const property = ((form.schema as { properties?: Record<string, Property> }).properties ?? {})[name] ?? {};
  switch (refusal) {
    case 'required':
    case 'minLength':
      return hint.widget === 'picklist' ? t('forms.choose') : t('forms.required');
    case 'type':
      return hint.widget === 'number' ? t('forms.number') : hint.widget === 'checkbox' ? t('forms.checkbox') : t('forms.text');
    case 'maxLength':
      return t('forms.maxLength', { max: property.maxLength ?? 0 });
    case 'pattern':
      return t('forms.pattern');
    case 'format':
      return hint.widget === 'email' ? t('forms.email') : t('forms.date');
    case 'minimum':
      return t('forms.minimum', { min: property.minimum ?? 0 });
    case 'maximum':
      return t('forms.maximum', { max: property.maximum ?? 0 });
    case 'enum':
      return t('forms.choose');
    case 'additionalProperties':
      return t('forms.notPartOfForm');
  }
}
