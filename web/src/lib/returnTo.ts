/**
 * Where to send the customer after sign-in. Only same-origin paths are accepted, so that a
 * crafted link cannot turn the sign-in page into an open redirect.
 */
export function safeReturnTo(value: string | null | undefined, fallback = '/cases'): string {
  if (!value) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  if (value.startsWith('/sign-in') || value.startsWith('/sign-out')) return fallback;
  return value;
}

export function signInPath(returnTo?: string, reason?: 'expired' | 'signed-out'): string {
  const params = new URLSearchParams();
  if (returnTo && safeReturnTo(returnTo, '') !== '') params.set('returnTo', returnTo);
  if (reason) params.set('reason', reason);
  const query = params.toString();
  return query ? `/sign-in?${query}` : '/sign-in';
}
