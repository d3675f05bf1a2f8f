import { language } from '../i18n';
import { ApiError, NetworkError } from './errors';

/** How far an upload has got, in bytes. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadRequest {
  url: string;
  body: FormData;
  headers: Record<string, string>;
  /** Called as the request body goes out (`fetch` cannot report that; XMLHttpRequest can). */
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

/**
 * POSTs a multipart form with upload progress, and answers like the API client: the parsed
 * JSON of a 2xx, an `ApiError` with the problem document otherwise, a `NetworkError` when no
 * answer came. Same origin, so the session cookie travels with it.
 */
export function uploadForm<T>({ url, body, headers, onProgress, signal }: UploadRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.setRequestHeader('Accept-Language', language());
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    if (onProgress) {
      xhr.upload.onprogress = (event) => {
        onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : 0 });
      };
    }
    xhr.onload = () => {
      let parsed: unknown = undefined;
      try {
        parsed = xhr.responseText ? (JSON.parse(xhr.responseText) as unknown) : undefined;
      } catch {
        parsed = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(parsed as T);
        return;
      }
      const responseHeaders = new Headers();
      for (const name of ['retry-after', 'x-request-id']) {
        const value = xhr.getResponseHeader(name);
        if (value !== null) responseHeaders.set(name, value);
      }
      reject(ApiError.fromResponse(new Response(null, { status: xhr.status, headers: responseHeaders }), parsed));
    };
    xhr.onerror = () => {
      reject(new NetworkError(new Error('upload failed')));
    };
    xhr.onabort = () => {
      reject(new DOMException('The upload was cancelled', 'AbortError'));
    };
    signal?.addEventListener('abort', () => {
      xhr.abort();
    });
    xhr.send(body);
  });
}
