/**
 * The reply the customer is writing on one case, kept in localStorage (per customer and case)
 * so that it survives a reload, a session timeout or a failed send, with the Idempotency-Key
 * of its attempt: a retry of the same text after a reload reuses the key, so it can never post
 * the reply twice. Cleared once the reply is sent.
 */
export interface ReplyDraft {
  body: string;
  /** The Idempotency-Key of the attempt that sent this exact text, once one was made. */
  attempt?: { key: string; body: string };
}

function storageKey(customerId: string, caseId: string): string {
  return `portal:reply-draft:${customerId}:${caseId}`;
}

export function loadReplyDraft(customerId: string, caseId: string): ReplyDraft | null {
  try {
    const raw = localStorage.getItem(storageKey(customerId, caseId));
    if (!raw) return null;
    const value = JSON.parse(raw) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const record = value as Record<string, unknown>;
    const body = typeof record.body === 'string' ? record.body : '';
    if (body === '') return null;
    const attempt = record.attempt as Record<string, unknown> | undefined;
    if (attempt && typeof attempt.key === 'string' && typeof attempt.body === 'string') {
      return { body, attempt: { key: attempt.key, body: attempt.body } };
    }
    return { body };
  } catch {
    return null;
  }
}

export function saveReplyDraft(customerId: string, caseId: string, draft: ReplyDraft): void {
  try {
    if (draft.body === '') localStorage.removeItem(storageKey(customerId, caseId));
    else localStorage.setItem(storageKey(customerId, caseId), JSON.stringify(draft));
  } catch {
    // Storage can be full or disabled; the box still works, only the safety net is gone.
  }
}

export function clearReplyDraft(customerId: string, caseId: string): void {
  try {
    localStorage.removeItem(storageKey(customerId, caseId));
  } catch {
    // See saveReplyDraft.
  }
}
