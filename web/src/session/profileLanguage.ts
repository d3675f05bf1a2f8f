import { queryOptions } from '@tanstack/react-query';
import { api, call } from '../api/client';
import type { Profile, ProfilePatch, Session } from '../api/types';
import { chooseLanguage, language } from '../i18n';

/** The session whose profile language this tab has adopted (its CSRF token names it). */
const ADOPTED_KEY = 'portal.languageAdopted';
/** Set when the visitor picks a language in this tab while signed out (on the sign-in page). */
const PICKED_KEY = 'portal.languagePickedSignedOut';

/** Remembers that the language on screen was picked in this tab before signing in. */
export function notePickedSignedOut(): void {
  try {
    sessionStorage.setItem(PICKED_KEY, '1');
  } catch {
    // No storage: the profile's language is adopted at sign-in.
  }
}

/**
 * On sign-in, the profile's language becomes the page's (decision 032): the first time a
 * session is seen in this tab, a profile language other than the one on screen switches to it
 * (and is remembered in this browser), unless the visitor picked the language on screen in this
 * tab just before signing in: that choice is this visit's (the profile is not changed by it).
 * After that the customer's own choices rule: the footer switch and the profile page write the
 * profile and switch at once; a change made on another device reaches this browser at its next
 * sign-in. A profile without a language leaves the browser's choice.
 */
export function adoptProfileLanguage(session: Session): Session {
  let seen: string | null = null;
  let picked = false;
  try {
    seen = sessionStorage.getItem(ADOPTED_KEY);
    picked = sessionStorage.getItem(PICKED_KEY) !== null;
    sessionStorage.setItem(ADOPTED_KEY, session.csrf_token);
    sessionStorage.removeItem(PICKED_KEY);
  } catch {
    // No storage: adopt on every load, which still follows the profile.
  }
  if (seen !== session.csrf_token && !picked && session.language && session.language !== language()) {
    chooseLanguage(session.language);
  }
  return session;
}

/** Writes the fields given to the profile (the Contact); the session's language follows. */
export function updateProfile(customerId: string, csrfToken: string, body: ProfilePatch): Promise<Profile> {
  return call(
    api.PATCH('/customer/{customer_id}/profile', {
      params: { path: { customer_id: customerId }, header: { 'X-CSRF-Token': csrfToken } },
      body,
    }),
  );
}

export const profileKey = (customerId: string) => ['profile', customerId] as const;

/** The signed-in contact's profile (its time zone is what dates are shown in where a zone matters). */
export function profileQuery(customerId: string) {
  return queryOptions({
    queryKey: profileKey(customerId),
    queryFn: ({ signal }): Promise<Profile> =>
      call(api.GET('/customer/{customer_id}/profile', { params: { path: { customer_id: customerId } }, signal })),
  });
}
