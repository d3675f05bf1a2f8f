import type { NewCaseForm } from '../api/createCase';
import { PRIORITIES } from '../api/createCase';

/**
 * What the customer is typing into the new-case form, kept in sessionStorage (this tab only) so
 * that it survives a session timeout, a reload or a trip to sign-in and back.
 */
function storageKey(customerId: string): string {
  return `portal:new-case-draft:${customerId}`;
}

export function loadDraft(customerId: string): NewCaseForm | null {
  try {
    const raw = sessionStorage.getItem(storageKey(customerId));
    if (!raw) return null;
    const value = JSON.parse(raw) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const record = value as Record<string, unknown>;
    const subject = typeof record.subject === 'string' ? record.subject : '';
    const description = typeof record.description === 'string' ? record.description : '';
    const priority = PRIORITIES.find((p) => p === record.priority) ?? 'medium';
    if (subject === '' && description === '') return null;
    return { subject, description, priority };
  } catch {
    return null;
  }
}

export function saveDraft(customerId: string, form: NewCaseForm): void {
  try {
    if (form.subject === '' && form.description === '') sessionStorage.removeItem(storageKey(customerId));
    else sessionStorage.setItem(storageKey(customerId), JSON.stringify(form));
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
