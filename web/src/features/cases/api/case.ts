import { queryOptions } from '@tanstack/react-query';
import { api, callFetched } from '../../../api/client';
import { caseKeys } from './cases';

export function caseQuery(customerId: string, caseId: string) {
  return queryOptions({
    queryKey: caseKeys.detail(customerId, caseId),
    queryFn: ({ signal }) =>
      callFetched(
        api.GET('/customer/{customer_id}/cases/{case_id}', {
          params: { path: { customer_id: customerId, case_id: caseId } },
          signal,
        }),
      ),
  });
}
