import { queryOptions } from '@tanstack/react-query';
import { api, call } from '../../../api/client';
import type { AuthMethods } from '../../../api/types';
import { PUBLIC_KEY } from '../../../session/session';

/** How customers can sign in (password, and single sign-on when the portal offers it). */
export function fetchAuthMethods(): Promise<AuthMethods> {
  return call(api.GET('/auth/methods'));
}

/**
 * Not customer data: it survives sign-out, and it rarely changes while a page is open. No retry:
 * the sign-in page must not wait for it, since the password form works without it.
 */
export const authMethodsQuery = queryOptions({
  queryKey: [...PUBLIC_KEY, 'auth-methods'] as const,
  queryFn: fetchAuthMethods,
  staleTime: 5 * 60_000,
  retry: false,
});

/**
 * The single sign-on button's target: the server's login URL with the page to come back to.
 * Relative URLs stay relative (same origin); the server checks `return_to` again.
 */
export function oidcLoginHref(loginUrl: string, returnTo: string): string {
  const url = new URL(loginUrl, window.location.origin);
  url.searchParams.set('return_to', returnTo);
  return url.origin === window.location.origin ? `${url.pathname}${url.search}${url.hash}` : url.href;
}

/** The reasons the server gives, in `/sign-in?sso_error=…`, for refusing a single sign-on. */
export const SSO_ERRORS = [
  'provider_error',
  'bad_state',
  'code_rejected',
  'invalid_token',
  'unknown_contact',
  'email_not_verified',
  'too_many_sign_ins',
  'unavailable',
] as const;
export type SsoError = (typeof SSO_ERRORS)[number] | 'unknown';

export function ssoErrorOf(value: string | null): SsoError | null {
  if (value === null) return null;
  return (SSO_ERRORS as readonly string[]).includes(value) ? (value as SsoError) : 'unknown';
}
