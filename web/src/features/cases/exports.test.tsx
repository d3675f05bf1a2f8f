import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/renderApp';
import { mockApi, problem, server, signIn } from '../../test/server';

const EXPORT_ID = `750Dn000000001AAA-${'a'.repeat(43)}`;

/** The server side of one export: queued when started, running, then complete with a link. */
function serveExport() {
  const states = ['running', 'complete'] as const;
  let polls = 0;
  server.use(
    http.post('/customer/:customerId/exports', ({ request }) => {
      mockApi.requests.push({ method: 'POST', url: new URL(request.url), headers: request.headers, body: undefined });
      return HttpResponse.json({ id: EXPORT_ID, state: 'queued', records: 0 }, { status: 202 });
    }),
    http.get('/customer/:customerId/exports/:exportId', () => {
      const state = states[Math.min(polls, states.length - 1)]!;
      polls += 1;
      return HttpResponse.json(
        state === 'complete'
          ? {
              id: EXPORT_ID,
              state,
              records: 12,
              download_url: `/customer/x/exports/${EXPORT_ID}/download?expires=1&signature=${'b'.repeat(43)}`,
              download_expires_at: new Date().toISOString(),
            }
          : { id: EXPORT_ID, state, records: 5 },
      );
    }),
  );
}

describe('case export', () => {
  it('starts an export with an Idempotency-Key, shows progress and then the download link', async () => {
    signIn();
    serveExport();
    const { user } = renderApp('/cases');
    await screen.findByRole('table', { name: 'Your cases' });
    await user.click(screen.getByRole('button', { name: 'Export all cases' }));

    expect(await screen.findByRole('progressbar', { name: 'Export progress' })).toBeInTheDocument();
    const link = await screen.findByRole('link', { name: 'Download the CSV file' }, { timeout: 5000 });
    expect(link).toHaveAttribute('href', expect.stringContaining(`/exports/${EXPORT_ID}/download?`));
    expect(screen.getByText('Your export is ready. Cases: 12')).toHaveAttribute('aria-live', 'polite');
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    const started = mockApi.requests.filter((r) => r.method === 'POST' && r.url.pathname.endsWith('/exports'));
    expect(started).toHaveLength(1);
    expect(started[0]!.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(started[0]!.headers.get('X-CSRF-Token')).toBeTruthy();
  });

  it('says so when the export cannot be started', async () => {
    signIn();
    server.use(http.post('/customer/:customerId/exports', () => problem(503, 'Unavailable')));
    const { user } = renderApp('/cases');
    await screen.findByRole('table', { name: 'Your cases' });
    await user.click(screen.getByRole('button', { name: 'Export all cases' }));
    expect(await screen.findByText('The export could not be started. Please try again.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Export all cases' })).toBeEnabled();
  });
});
