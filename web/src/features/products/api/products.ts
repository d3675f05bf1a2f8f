import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, callFetched, callWithResponse } from '../../../api/client';
import { isApiError } from '../../../api/errors';
import type { Fetched } from '../../../api/freshness';
import type { OwnedProduct, ProductInterest, RecommendationList } from '../../../api/types';

/** "My products" is read in pages of this size, every page at once (an account owns few assets). */
const PAGE = 100;

export const productKeys = {
  all: (customerId: string) => ['products', customerId] as const,
  owned: (customerId: string) => [...productKeys.all(customerId), 'owned'] as const,
  recommendations: (customerId: string) => [...productKeys.all(customerId), 'recommendations'] as const,
};

/** Everything the customer's account owns, by name, following the server's cursors. */
export function ownedProductsQuery(customerId: string) {
  return queryOptions({
    queryKey: productKeys.owned(customerId),
    queryFn: async ({ signal }): Promise<Fetched<OwnedProduct[]>> => {
      const items: OwnedProduct[] = [];
      let cursor: string | undefined;
      let stale: Fetched<OwnedProduct[]>['stale'] = null;
      do {
        const page = await callFetched(
          api.GET('/customer/{customer_id}/products', {
            params: {
              path: { customer_id: customerId },
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

export function recommendationsQuery(customerId: string) {
  return queryOptions({
    queryKey: productKeys.recommendations(customerId),
    queryFn: ({ signal }): Promise<Fetched<RecommendationList>> =>
      callFetched(api.GET('/customer/{customer_id}/recommendations', { params: { path: { customer_id: customerId } }, signal })),
  });
}

/** A 409 that means "the same key is still being processed". */
export function isInFlight(error: unknown): boolean {
  return isApiError(error, 409) && error.problem.type === '/problems/idempotency-in-flight';
}

export interface InterestVariables {
  productId: string;
  idempotencyKey: string;
  csrfToken: string;
}

const IN_FLIGHT_RETRIES = 5;

/**
 * "I'm interested": one Lead or Opportunity per customer and product, whoever asks and however
 * often (the server answers 200 with the first request's interest). The Idempotency-Key makes a
 * retry of the same click safe; while the first request with it runs (409), wait and ask again.
 */
export function useInterest(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ productId, idempotencyKey, csrfToken }: InterestVariables): Promise<ProductInterest> => {
      const { data } = await callWithResponse(
        api.POST('/customer/{customer_id}/recommendations/{product_id}/interest', {
          params: {
            path: { customer_id: customerId, product_id: productId },
            header: { 'X-CSRF-Token': csrfToken, 'Idempotency-Key': idempotencyKey },
          },
        }),
      );
      return data;
    },
    retry: (failureCount, error) => isInFlight(error) && failureCount < IN_FLIGHT_RETRIES,
    retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 4000),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: productKeys.recommendations(customerId) });
    },
  });
}

export interface DismissVariables {
  productId: string;
  /** `false` shows a dismissed recommendation again. */
  dismissed: boolean;
  csrfToken: string;
}

/** Hides a recommendation for the customer, or shows it again; repeating either changes nothing. */
export function useDismiss(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ productId, dismissed, csrfToken }: DismissVariables): Promise<void> => {
      const params = {
        path: { customer_id: customerId, product_id: productId },
        header: { 'X-CSRF-Token': csrfToken },
      };
      if (dismissed) {
        await callWithResponse(api.POST('/customer/{customer_id}/recommendations/{product_id}/dismiss', { params }));
      } else {
        await callWithResponse(api.DELETE('/customer/{customer_id}/recommendations/{product_id}/dismiss', { params }));
      }
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: productKeys.recommendations(customerId) });
    },
  });
}
