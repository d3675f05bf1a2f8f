import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, callWithResponse } from '../../../api/client';
import { isApiError } from '../../../api/errors';
import type { Case, CaseDetail } from '../../../api/types';
import { charCount, hasControlCharactersExceptLineBreaks, trimWhiteSpace } from '../../../lib/text';
import type { FieldIssue } from './createCase';
import { caseQuery } from './case';
import { caseKeys } from './cases';

/** `CloseReason::parse` on the server: at most 1,000 characters as sent (this app sends it trimmed). */
export const CLOSE_REASON_MAX = 1000;

/** The problem a reopen answers once the case was closed longer ago than the reopen window. */
export const REOPEN_WINDOW_CLOSED = '/problems/reopen-window-closed';

export type CaseStatusAction = 'close' | 'reopen';

/**
 * `CloseReason::parse` on the server: optional (blank is none), at most 1,000 characters after
 * trimming, no control characters except line breaks and tabs.
 */
export function validateCloseReason(reason: string): FieldIssue | undefined {
  const trimmed = trimWhiteSpace(reason);
  if (charCount(trimmed) > CLOSE_REASON_MAX) return { key: 'caseStatus.reasonTooLong', vars: { max: CLOSE_REASON_MAX } };
  if (hasControlCharactersExceptLineBreaks(trimmed)) return { key: 'caseStatus.reasonControl' };
  return undefined;
}

/** Whether a closed case may still be reopened at `now` (its `reopen_until` has not passed). */
export function canReopen(item: Pick<Case, 'is_closed' | 'reopen_until'>, now: number): boolean {
  if (!item.is_closed || !item.reopen_until) return false;
  const until = Date.parse(item.reopen_until);
  return !Number.isNaN(until) && now <= until;
}

export function isReopenWindowClosed(error: unknown): boolean {
  return isApiError(error, 409) && error.problem.type === REOPEN_WINDOW_CLOSED;
}

export interface CaseStatusVariables {
  action: CaseStatusAction;
  /** Close only; blank sends no reason. */
  reason?: string;
  idempotencyKey: string;
  csrfToken: string;
}

const IN_FLIGHT_RETRIES = 5;

/**
 * Closes or reopens a case. The Idempotency-Key makes a retry of the same attempt safe; when the
 * server says the first request with that key is still in flight (409, not the reopen window),
 * wait and ask again. The answer is the case as it is now: it replaces the cached detail, and
 * the lists are fetched again so that they show the new status at once.
 */
export function useCaseStatus(customerId: string, caseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ action, reason, idempotencyKey, csrfToken }: CaseStatusVariables): Promise<CaseDetail> => {
      const params = {
        path: { customer_id: customerId, case_id: caseId },
        header: { 'X-CSRF-Token': csrfToken, 'Idempotency-Key': idempotencyKey },
      };
      if (action === 'reopen') {
        return (await callWithResponse(api.POST('/customer/{customer_id}/cases/{case_id}/reopen', { params }))).data;
      }
      const trimmed = trimWhiteSpace(reason ?? '');
      const body = trimmed === '' ? {} : { reason: trimmed };
      return (await callWithResponse(api.POST('/customer/{customer_id}/cases/{case_id}/close', { params, body }))).data;
    },
    retry: (failureCount, error) => isApiError(error, 409) && !isReopenWindowClosed(error) && failureCount < IN_FLIGHT_RETRIES,
    retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 4000),
    onSuccess: async (updated) => {
      // The answer is the case as its page shows it (the detail, activity included).
      queryClient.setQueryData(caseQuery(customerId, updated.id).queryKey, { data: updated, stale: null });
      await queryClient.invalidateQueries({ queryKey: caseKeys.lists(customerId) });
    },
  });
}
