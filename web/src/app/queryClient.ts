import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { isApiError, isUnauthorized } from '../api/errors';
import { SESSION_KEY } from '../session/session';

/** Retry only what might succeed on a second try: network failures and 5xx, once. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (isApiError(error) && error.status < 500) return false;
  return failureCount < 1;
}

/**
 * `onSessionEnded` runs when any request answers 401, or a session check finds nobody signed in.
 */
export function createQueryClient(onSessionEnded: () => void): QueryClient {
  const onError = (error: unknown) => {
    if (isUnauthorized(error)) onSessionEnded();
  };
  return new QueryClient({
    queryCache: new QueryCache({
      onError,
      onSuccess: (data, query) => {
        if (query.queryKey[0] === SESSION_KEY[0] && data === null) onSessionEnded();
      },
    }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        gcTime: 5 * 60_000,
        retry: shouldRetry,
        // A loader that failed already retried; the page shows the error with a retry button.
        retryOnMount: false,
      },
      mutations: { retry: false },
    },
  });
}
