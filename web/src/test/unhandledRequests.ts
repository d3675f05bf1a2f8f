import type { UnhandledRequestCallback } from 'msw';

/** Requests no mock API handler answered since the last check ("GET /path?query"). */
const unhandled: string[] = [];

/**
 * MSW's `onUnhandledRequest`: remember the request so that the test fails (see
 * `failOnUnhandledRequests`), log it, and make the request itself fail rather than reach a network.
 */
export const recordUnhandledRequest: UnhandledRequestCallback = (request, print) => {
  const url = new URL(request.url);
  unhandled.push(`${request.method} ${url.pathname}${url.search}`);
  print.error();
};

/** The requests recorded since the last call, forgetting them. */
export function takeUnhandledRequests(): string[] {
  return unhandled.splice(0);
}

/** Throws (failing the current test) when the test made any request the mock API does not handle. */
export function failOnUnhandledRequests(): void {
  const requests = takeUnhandledRequests();
  if (requests.length > 0) {
    throw new Error(
      `The test made ${String(requests.length)} request(s) the mock API does not handle; add a handler:\n  ${requests.join('\n  ')}`,
    );
  }
}
