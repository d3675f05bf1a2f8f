import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, callWithResponse } from '../../../api/client';
import { isApiError } from '../../../api/errors';
import type { Case, CasePriority, NewCaseBody } from '../../../api/types';
import type { MessageKey } from '../../../i18n';
import { charCount, hasControlCharacters, hasControlCharactersExceptLineBreaks, trimWhiteSpace } from '../../../lib/text';
import { caseQuery } from './case';
import { caseKeys } from './cases';

/** The server's limits (POST /customer/{id}/cases), mirrored so mistakes show before sending. */
export const SUBJECT_MAX = 255;
export const DESCRIPTION_MAX = 32_000;
export const PRIORITIES = ['low', 'medium', 'high'] as const satisfies readonly CasePriority[];
export const DEFAULT_PRIORITY: CasePriority = 'medium';

export interface NewCaseForm {
  subject: string;
  description: string;
  priority: CasePriority;
}

export type NewCaseField = keyof NewCaseForm;
export type NewCaseErrors = Partial<Record<NewCaseField, string>>;

export interface FieldIssue {
  key: MessageKey;
  vars?: Record<string, number>;
}

/** `CaseSubject::parse` on the server: trimmed (Rust `trim`), 1-255 characters, no control characters. */
export function validateSubject(subject: string): FieldIssue | undefined {
  const trimmed = trimWhiteSpace(subject);
  if (trimmed === '') return { key: 'newCase.subjectRequired' };
  if (charCount(trimmed) > SUBJECT_MAX) return { key: 'newCase.subjectTooLong', vars: { max: SUBJECT_MAX } };
  if (hasControlCharacters(trimmed)) return { key: 'newCase.subjectControl' };
  return undefined;
}

/**
 * `CaseDescription::parse` on the server: not only white space, 1-32,000 characters, no control
 * characters except line breaks and tabs. Sent as typed (not trimmed).
 */
export function validateDescription(description: string): FieldIssue | undefined {
  if (trimWhiteSpace(description) === '') return { key: 'newCase.descriptionRequired' };
  if (charCount(description) > DESCRIPTION_MAX) return { key: 'newCase.descriptionTooLong', vars: { max: DESCRIPTION_MAX } };
  if (hasControlCharactersExceptLineBreaks(description)) return { key: 'newCase.descriptionControl' };
  return undefined;
}

export function validateNewCase(form: NewCaseForm): Partial<Record<NewCaseField, FieldIssue>> {
  const issues: Partial<Record<NewCaseField, FieldIssue>> = {};
  const subject = validateSubject(form.subject);
  if (subject) issues.subject = subject;
  const description = validateDescription(form.description);
  if (description) issues.description = description;
  return issues;
}

/** The request body exactly as the server wants it: subject trimmed as the server trims it, no extra fields. */
export function toNewCaseBody(form: NewCaseForm): NewCaseBody {
  return { subject: trimWhiteSpace(form.subject), description: form.description, priority: form.priority };
}

export function isNewCaseField(field: string): field is NewCaseField {
  return field === 'subject' || field === 'description' || field === 'priority';
}

export interface CreateCaseVariables {
  body: NewCaseBody;
  idempotencyKey: string;
  csrfToken: string;
}

const IN_FLIGHT_RETRIES = 5;

/**
 * Creates a case. The Idempotency-Key makes a retry of the same attempt safe: when the server
 * says the first request with that key is still in flight (409), wait and ask again; it then
 * answers with the case that request created.
 */
export function useCreateCase(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ body, idempotencyKey, csrfToken }: CreateCaseVariables): Promise<Case> => {
      const { data } = await callWithResponse(
        api.POST('/customer/{customer_id}/cases', {
          params: {
            path: { customer_id: customerId },
            header: { 'X-CSRF-Token': csrfToken, 'Idempotency-Key': idempotencyKey },
          },
          body,
        }),
      );
      return data;
    },
    retry: (failureCount, error) => isApiError(error, 409) && failureCount < IN_FLIGHT_RETRIES,
    retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 4000),
    onSuccess: async (created) => {
      // Straight from the server's answer to the create: never from its cache. A new case has
      // no conversation yet.
      queryClient.setQueryData(caseQuery(customerId, created.id).queryKey, {
        data: { ...created, comment_count: 0, last_activity_at: created.created_at, last_actor: null },
        stale: null,
      });
      await queryClient.invalidateQueries({ queryKey: caseKeys.lists(customerId) });
    },
  });
}
