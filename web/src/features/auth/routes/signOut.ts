import type { QueryClient } from '@tanstack/react-query';
import { redirect } from 'react-router';
import { isApiError } from '../../../api/errors';
import { signInPath } from '../../../lib/returnTo';
import { SESSION_KEY, sessionQuery } from '../../../session/session';
import { logout } from '../api/auth';

/** POST /sign-out (the navigation's sign-out button): ends the session, then shows sign-in. */
export function signOutAction(queryClient: QueryClient) {
  return async () => {
    let session = await queryClient.query(sessionQuery);
    if (session) {
      try {
        await logout(session.csrf_token);
      } catch (error) {
        if (isApiError(error, 403)) {
          // The CSRF token rotated since we cached it: fetch the session again and retry once.
          session = await queryClient.query({ ...sessionQuery, staleTime: 0 });
          if (session) await logout(session.csrf_token);
        } else if (!isApiError(error, 401)) {
          throw error;
        }
      }
    }
    queryClient.setQueryData(SESSION_KEY, null);
    return redirect(signInPath(undefined, 'signed-out'));
  };
}
