import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, callFetched } from '../../../api/client';
import { isApiError } from '../../../api/errors';
import type { Attachment } from '../../../api/types';
import { uploadForm, type UploadProgress } from '../../../api/upload';
import type { MessageKey } from '../../../i18n';

/** The server's defaults (`attachments.max_bytes`, `attachments.allowed_types`), mirrored so a
 * refused file is explained before it is sent. The server decides, by the file's content. */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
export const ACCEPTED_EXTENSIONS = ['pdf', 'png', 'jpg', 'jpeg', 'gif', 'webp', 'txt', 'csv', 'docx', 'xlsx', 'pptx'] as const;
export const ACCEPT_ATTRIBUTE = ACCEPTED_EXTENSIONS.map((e) => `.${e}`).join(',');

export const attachmentKeys = {
  list: (customerId: string, caseId: string) => ['cases', customerId, 'attachments', caseId] as const,
};

export function attachmentsQuery(customerId: string, caseId: string) {
  return queryOptions({
    queryKey: attachmentKeys.list(customerId, caseId),
    queryFn: ({ signal }) =>
      callFetched(
        api.GET('/customer/{customer_id}/cases/{case_id}/attachments', {
          params: { path: { customer_id: customerId, case_id: caseId }, query: { limit: 100 } },
          signal,
        }),
      ),
  });
}

/** A plain link: the route redirects to a short-lived signed link, which the browser follows. */
export function attachmentDownloadHref(customerId: string, caseId: string, attachmentId: string): string {
  return `/customer/${encodeURIComponent(customerId)}/cases/${encodeURIComponent(caseId)}/attachments/${encodeURIComponent(attachmentId)}/download`;
}

export interface FileIssue {
  key: MessageKey;
  vars?: Record<string, string>;
}

/** What the server would refuse, as far as the browser can tell (size; the type by name). */
export function checkFile(file: Pick<File, 'name' | 'size'>, maxBytes: number = MAX_ATTACHMENT_BYTES): FileIssue | undefined {
  if (file.size === 0) return { key: 'attachments.empty' };
  if (file.size > maxBytes) return { key: 'attachments.tooLarge', vars: { max: `${String(Math.floor(maxBytes / (1024 * 1024)))} MB` } };
  const extension = file.name.includes('.') ? (file.name.split('.').pop() ?? '').toLowerCase() : '';
  if (!(ACCEPTED_EXTENSIONS as readonly string[]).includes(extension)) return { key: 'attachments.wrongType' };
  return undefined;
}

/** The message for a refusal from the server. */
export function uploadErrorKey(error: unknown): MessageKey {
  if (isApiError(error, 413)) return 'attachments.tooLargeServer';
  if (isApiError(error, 415)) return 'attachments.wrongTypeServer';
  if (isApiError(error, 429)) return 'attachments.rateLimited';
  if (isApiError(error)) return 'attachments.failed';
  return 'attachments.network';
}

export interface UploadVariables {
  file: File;
  idempotencyKey: string;
  csrfToken: string;
  onProgress: (progress: UploadProgress) => void;
}

const IN_FLIGHT_RETRIES = 5;

/** Uploads one file to the case, with progress; the list is read again afterwards. */
export function useUploadAttachment(customerId: string, caseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ file, idempotencyKey, csrfToken, onProgress }: UploadVariables) => {
      const body = new FormData();
      body.append('file', file, file.name);
      return uploadForm<Attachment>({
        url: `/customer/${encodeURIComponent(customerId)}/cases/${encodeURIComponent(caseId)}/attachments`,
        body,
        headers: { 'X-CSRF-Token': csrfToken, 'Idempotency-Key': idempotencyKey },
        onProgress,
      });
    },
    // The same key makes a retry safe; a 409 means the first request is still running.
    retry: (failureCount, error) => isApiError(error, 409) && failureCount < IN_FLIGHT_RETRIES,
    retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 4000),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: attachmentKeys.list(customerId, caseId) });
    },
  });
}
