import type { NewCaseForm } from '../api/createCase';
import { PRIORITIES } from '../api/createCase';
import type { FormInput } from '../forms/validate';

/**
 * What the customer is typing into the new-case form, kept in sessionStorage (this tab only) so
 * that it survives a session timeout, a reload or a trip to sign-in and back: the plain fields,
 * and the dynamic form chosen (`form`, '' for none) with what was entered in it (`fields`).
 */
export interface NewCaseDraft extends NewCaseForm {
  form: string;
  fields: FormInput;
}

function isEmpty(draft: NewCaseDraft): boolean {
  return draft.subject === '' && draft.description === '' && draft.form === '';
}

function fieldsOf(value: unknown): FormInput {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string | boolean] => typeof entry[1] === 'string' || typeof entry[1] === 'boolean',
    ),
  );
}

function storageKey(customerId: string): string {
  return `portal:new-case-draft:${customerId}`;
}

export function loadDraft(customerId: string): NewCaseDraft | null {
  try {
    const raw = sessionStorage.getItem(storageKey(customerId));
    if (!raw) return null;
    const value = JSON.parse(raw) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const record = value as Record<string, unknown>;
    const subject = typeof record.subject === 'string' ? record.subject : '';
    const description = typeof record.description === 'string' ? record.description : '';
    const priority = PRIORITIES.find((p) => p === record.priority) ?? 'medium';
    const form = typeof record.form === 'string' ? record.form : '';
    const draft = { subject, description, priority, form, fields: form === '' ? {} : fieldsOf(record.fields) };
    return isEmpty(draft) ? null : draft;
  } catch {
    return null;
  }
}

export function saveDraft(customerId: string, draft: NewCaseDraft): void {
  try {
    if (isEmpty(draft)) sessionStorage.removeItem(storageKey(customerId));
    else sessionStorage.setItem(storageKey(customerId), JSON.stringify(draft));
  } catch {
    // Storage can be full or disabled; the form still works, only the safety net is gone.
  }
}

export function clearDraft(customerId: string): void {
  try {
    sessionStorage.removeItem(storageKey(customerId));
  } catch {
    // See saveDraft.
  }
}
