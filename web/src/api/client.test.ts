import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadLanguage } from '../i18n';
import { api, call } from './client';

describe('api client', () => {
  afterEach(async () => {
    vi.unstubAllGlobals();
    await loadLanguage('en');
  });

  it('names the page language on every request, so server problems come in it', async () => {
    const seen: string[] = [];
    vi.stubGlobal('fetch', (request: Request) => {
      seen.push(request.headers.get('accept-language') ?? '(none)');
      return Promise.resolve(
        new Response(JSON.stringify({ type: '/problems/unauthenticated', title: 'x', status: 401, detail: 'y' }), {
          status: 401,
          headers: { 'content-type': 'application/problem+json' },
        }),
      );
    });
    await expect(call(api.GET('/auth/session'))).rejects.toMatchObject({ status: 401 });
    await loadLanguage('fr');
    await expect(call(api.GET('/auth/session'))).rejects.toMatchObject({ status: 401 });
    expect(seen).toEqual(['en', 'fr']);
  });
});
