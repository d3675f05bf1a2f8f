import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, callFetched, callWithResponse } from '../../../api/client';
import { isApiError } from '../../../api/errors';
import type { CaseComment, NewCommentBody } from '../../../api/types';
import type { Fetched } from '../../../api/freshness';
import type { MessageKey } from '../../../i18n';
import { charCount, hasControlCharactersExceptLineBreaks, trimWhiteSpace } from '../../../lib/text';
import { caseKeys } from './cases';

/** `CommentBody::parse` on the server: 1-3,950 characters as sent (this app sends it trimmed), line breaks and tabs kept. */
export const REPLY_MAX = 3950;
/** The conversation is read in pages of this size, every page at once (a case has few comments). */
const PAGE = 100;

export const commentKeys = {
  thread: (customerId: string, caseId: string) => [...caseKeys.detail(customerId, caseId), 'comments'] as const,
};

/** A case's whole public conversation, oldest first, following the server's cursors. */
export function commentsQuery(customerId: string, caseId: string) {
  return queryOptions({
    queryKey: commentKeys.thread(customerId, caseId),
    queryFn: async ({ signal }): Promise<Fetched<CaseComment[]>> => {
      const items: CaseComment[] = [];
      let cursor: string | undefined;
      let stale: Fetched<CaseComment[]>['stale'] = null;
      do {
        const page = await callFetched(
          api.GET('/customer/{customer_id}/cases/{case_id}/comments', {
            params: {
              path: { customer_id: customerId, case_id: caseId },
              query: cursor === undefined ? { limit: PAGE } : { limit: PAGE, cursor },
            },
            signal,
          }),
        );
        items.push(...page.data.items);
        stale ??= page.stale;
        cursor = page.data.next_cursor ?? undefined;
      } while (cursor !== undefined);
      return { data: items, stale };
    },
  });
}

export interface ReplyIssue {
  key: MessageKey;
  vars?: Record<string, number>;
}

export function validateReply(body: string): ReplyIssue | undefined {
  const trimmed = trimWhiteSpace(body);
  if (trimmed === '') return { key: 'reply.required' };
  if (charCount(trimmed) > REPLY_MAX) return { key: 'reply.tooLong', vars: { max: REPLY_MAX } };
  if (hasControlCharactersExceptLineBreaks(trimmed)) return { key: 'reply.control' };
  return undefined;
}

export function toReplyBody(body: string): NewCommentBody {
  return { body: trimWhiteSpace(body) };
}

/** A 409 that means "the same key is still being processed", not "the case is closed". */
export function isInFlight(error: unknown): boolean {
  return isApiError(error, 409) && error.problem.type === '/problems/idempotency-in-flight';
}

export function isCaseClosed(error: unknown): boolean {
  return isApiError(error, 409) && error.problem.type === '/problems/case-closed';
}

export interface ReplyVariables {
  body: NewCommentBody;
  idempotencyKey: string;
  csrfToken: string;
}

const IN_FLIGHT_RETRIES = 5;

/**
 * Sends a reply. The Idempotency-Key makes a retry of the same draft safe: while the first
 * request with it is in flight (409 in-flight), wait and ask again; the server then answers
 * with the comment that request wrote.
 */
export function useReply(customerId: string, caseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ body, idempotencyKey, csrfToken }: ReplyVariables): Promise<CaseComment> => {
      const { data } = await callWithResponse(
        api.POST('/customer/{customer_id}/cases/{case_id}/comments', {
          params: {
            path: { customer_id: customerId, case_id: caseId },
            header: { 'X-CSRF-Token': csrfToken, 'Idempotency-Key': idempotencyKey },
          },
          body,
        }),
      );
      return data;
    },
    retry: (failureCount, error) => isInFlight(error) && failureCount < IN_FLIGHT_RETRIES,
    retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 4000),
    onSuccess: async () => {
      // The thread, the case's count and last activity, and the lists' "awaiting" all changed.
      await queryClient.invalidateQueries({ queryKey: caseKeys.detail(customerId, caseId) });
      await queryClient.invalidateQueries({ queryKey: caseKeys.lists(customerId) });
    },
  });
}
