import { useMutation, useQuery } from '@tanstack/react-query';
import { api, call } from '../../../api/client';
import type { CaseExport } from '../../../api/types';

/** How often a running export is asked about. */
export const EXPORT_POLL_MS = 1000;

export interface StartExportVariables {
  idempotencyKey: string;
  csrfToken: string;
}

/**
 * Starts an export of all the customer's cases. The Idempotency-Key makes a retry of the same
 * click safe: the server answers with the export that key started.
 */
export function useStartExport(customerId: string) {
  return useMutation({
    mutationFn: ({ idempotencyKey, csrfToken }: StartExportVariables): Promise<CaseExport> =>
      call(
        api.POST('/customer/{customer_id}/exports', {
          params: {
            path: { customer_id: customerId },
            header: { 'X-CSRF-Token': csrfToken, 'Idempotency-Key': idempotencyKey },
          },
        }),
      ),
  });
}

/** Whether the export will not change any more. */
export function isSettled(item: Pick<CaseExport, 'state'>): boolean {
  return item.state === 'complete' || item.state === 'failed';
}

/** The export's state, asked again every second until it is complete or failed. */
export function useExportStatus(customerId: string, exportId: string | undefined) {
  return useQuery({
    queryKey: ['customer', customerId, 'exports', exportId],
    enabled: exportId !== undefined,
    queryFn: ({ signal }) =>
      call(
        api.GET('/customer/{customer_id}/exports/{export_id}', {
          params: { path: { customer_id: customerId, export_id: exportId ?? '' } },
          signal,
        }),
      ),
    refetchInterval: (query) => (query.state.data && isSettled(query.state.data) ? false : EXPORT_POLL_MS),
    // A download link is short-lived: never reuse an old answer.
    gcTime: 0,
    staleTime: 0,
  });
}
