import type { QueryClient } from '@tanstack/react-query';
import { createBrowserRouter, createMemoryRouter } from 'react-router';
import { signInPath } from '../lib/returnTo';
import { PROTECTED_ROUTE_ID, SESSION_KEY } from '../session/session';
import { createQueryClient } from './queryClient';
import { createRoutes } from './routes';

type Router = ReturnType<typeof createBrowserRouter>;

export interface App {
  queryClient: QueryClient;
  router: Router;
}

/**
 * Wires the query cache to the router. When the session is found to be gone (a 401 from any
 * query or mutation, or a session check that finds nobody) while a signed-in page is open, go
 * to sign-in and remember the page. Loaders handle the same case for the page being loaded.
 */
export function createApp(options: { initialEntries?: string[] } = {}): App {
  let router: Router | undefined = undefined;

  const queryClient = createQueryClient(() => {
    if (queryClient.getQueryData(SESSION_KEY) !== null) queryClient.setQueryData(SESSION_KEY, null);
    if (!router) return;
    const { location, navigation, matches, initialized } = router.state;
    // During the first load or a navigation, the protected route's loader sees the missing
    // session and redirects (without "your session has ended": a first visit had none).
    if (!initialized || navigation.state !== 'idle') return;
    if (!matches.some((match) => match.route.id === PROTECTED_ROUTE_ID)) return;
    void router.navigate(signInPath(`${location.pathname}${location.search}`, 'expired'), { replace: true });
  });

  const routes = createRoutes(queryClient);
  router = options.initialEntries
    ? createMemoryRouter(routes, { initialEntries: options.initialEntries })
    : createBrowserRouter(routes);
  return { queryClient, router };
}
