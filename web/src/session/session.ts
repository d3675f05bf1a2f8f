import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { redirect, useRouteLoaderData } from 'react-router';
import { api, call } from '../api/client';
import { isUnauthorized } from '../api/errors';
import type { Session } from '../api/types';
import { signInPath } from '../lib/returnTo';

export const SESSION_KEY = ['session'] as const;

/** Query keys that start with this hold what anyone may see (not customer data). */
export const PUBLIC_KEY = ['public'] as const;

/** The route that guards every signed-in page; its loader data is the session. */
export const PROTECTED_ROUTE_ID = 'protected';

async function fetchSession(): Promise<Session | null> {
  try {
    return await call(api.GET('/auth/session'));
  } catch (error) {
    if (isUnauthorized(error)) return null;
    throw error;
  }
}

/** The current session, or `null` when nobody is signed in (a 401 is an answer, not an error). */
export const sessionQuery = queryOptions({
  queryKey: SESSION_KEY,
  queryFn: fetchSession,
  staleTime: 60_000,
});

function pathOf(request: Request): string {
  const url = new URL(request.url);
  return `${url.pathname}${url.search}`;
}

/** For loaders of signed-in pages: the session, or a redirect to sign-in that comes back here. */
export async function requireSession(queryClient: QueryClient, request: Request): Promise<Session> {
  const session = await queryClient.query(sessionQuery);
  if (!session) throw redirect(signInPath(pathOf(request)));
  return session;
}

/**
 * Runs a loader's data fetch; a 401 means the session ended since it was cached, so forget it
 * and send the customer to sign-in, remembering where they were.
 */
export async function withSession<T>(queryClient: QueryClient, request: Request, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isUnauthorized(error)) {
      queryClient.setQueryData(SESSION_KEY, null);
      throw redirect(signInPath(pathOf(request), 'expired'));
    }
    throw error;
  }
}

/** Drops every cached answer that belongs to the signed-in customer. */
export function forgetCustomerData(queryClient: QueryClient): void {
  queryClient.removeQueries({
    predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] && query.queryKey[0] !== PUBLIC_KEY[0],
  });
}

/** The signed-in session, for components below the protected route. */
export function useSession(): Session {
  const session = useRouteLoaderData<Session>(PROTECTED_ROUTE_ID);
  if (!session) throw new Error('useSession must be used below the protected route');
  return session;
}
