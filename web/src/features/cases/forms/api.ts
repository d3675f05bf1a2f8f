import { queryOptions } from '@tanstack/react-query';
import { api, call } from '../../../api/client';
import type { FormDetail, FormSummary } from '../../../api/types';

export const formKeys = {
  all: (customerId: string) => ['forms', customerId] as const,
  list: (customerId: string) => [...formKeys.all(customerId), 'list'] as const,
  detail: (customerId: string, name: string) => [...formKeys.all(customerId), 'detail', name] as const,
};

/** Forms change only when an admin deploys metadata: reuse them for a while. */
const FORMS_STALE_MS = 5 * 60 * 1000;

/** The dynamic case forms a case can be opened with, in the order to offer them. */
export function formsQuery(customerId: string) {
  return queryOptions({
    queryKey: formKeys.list(customerId),
    staleTime: FORMS_STALE_MS,
    queryFn: async ({ signal }): Promise<FormSummary[]> => {
      const list = await call(api.GET('/customer/{customer_id}/forms', { params: { path: { customer_id: customerId } }, signal }));
      return list.items;
    },
  });
}

/** One form: its JSON Schema and how to render it. */
export function formQuery(customerId: string, name: string) {
  return queryOptions({
    queryKey: formKeys.detail(customerId, name),
    staleTime: FORMS_STALE_MS,
    queryFn: ({ signal }): Promise<FormDetail> =>
      call(api.GET('/customer/{customer_id}/forms/{form}', { params: { path: { customer_id: customerId, form: name } }, signal })),
  });
}
