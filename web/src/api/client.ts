import createClient from 'openapi-fetch';
import { language } from '../i18n';
import { ApiError, NetworkError } from './errors';
import { readStaleness, type Fetched } from './freshness';
import type { paths } from './schema';

/**
 * The typed portal API client. Same origin: the session cookie travels with every request.
 * `fetch` is looked up at call time so that test doubles installed later are honoured. Every
 * request names the page's language, so that a problem the server writes (its `title` and
 * `detail`) is in the language the customer reads the page in, before sign-in too.
 */
export const api = createClient<paths>({
  baseUrl: typeof window === 'undefined' ? '' : window.location.origin,
  credentials: 'same-origin',
  fetch: (request: Request) => {
    request.headers.set('Accept-Language', language());
    return globalThis.fetch(request);
  },
  headers: { Accept: 'application/json, application/problem+json' },
});

interface FetchResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** Waits for an openapi-fetch result and throws `ApiError` / `NetworkError` unless it is a 2xx. */
async function settle<D>(pending: Promise<FetchResult<D>>): Promise<{ data: D; response: Response }> {
  let result: FetchResult<D>;
  try {
    result = await pending;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new NetworkError(error);
  }
  if (!result.response.ok) throw ApiError.fromResponse(result.response, result.error);
  return { data: result.data as D, response: result.response };
}

/** Turns an openapi-fetch result into its data, or throws `ApiError` / `NetworkError`. */
export async function call<D>(pending: Promise<FetchResult<D>>): Promise<D> {
  return (await settle(pending)).data;
}

/** Like `call`, for responses that also carry something useful in their headers. */
export async function callWithResponse<D>(pending: Promise<FetchResult<D>>): Promise<{ data: D; response: Response }> {
  return settle(pending);
}

/**
 * Like `call`, for reads the server may answer from its cache when Salesforce fails: the data
 * comes with `stale` set from `X-Data-Stale` and `Age`.
 */
export async function callFetched<D>(pending: Promise<FetchResult<D>>): Promise<Fetched<D>> {
  const { data, response } = await settle(pending);
  return { data, stale: readStaleness(response.headers) };
}
