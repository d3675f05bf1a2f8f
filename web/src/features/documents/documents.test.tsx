import { act, screen, waitFor, within } from '@testing-library/react';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/renderApp';
import { holdRequests, watchLoadingScreens } from '../../test/routeLoading';
import { CUSTOMER_ID, mockApi, problem, requestsTo, server, signIn } from '../../test/server';

describe('documents', () => {
  it('lists documents with type, readable size, date and a download link', async () => {
    signIn();
    renderApp('/documents');
    const table = await screen.findByRole('table', { name: 'Your documents' });
    const first = within(table).getAllByRole('row')[1]!;
    const document = mockApi.documents[0]!;
    expect(within(first).getByText('Invoice 1')).toBeInTheDocument();
    expect(within(first).getByText('invoice-1.pdf')).toBeInTheDocument();
    expect(within(first).getByText('PDF')).toBeInTheDocument();
    expect(within(first).getByText('1.2 MB')).toBeInTheDocument();
    expect(within(first).getByRole('link', { name: 'Download Invoice 1 (1.2 MB)' })).toHaveAttribute(
      'href',
      `/customer/${CUSTOMER_ID}/documents/${document.id}/download`,
    );
    expect(screen.getByRole('link', { name: 'Documents' })).toHaveAttribute('aria-current', 'page');
  });

  it('searches, sorts and pages', async () => {
    signIn();
    const { user, router } = renderApp('/documents');
    await screen.findByRole('table', { name: 'Your documents' });
    await user.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('Page 2 · 5 documents')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Next page' })).toHaveAttribute('aria-disabled', 'true');

    await user.type(screen.getByLabelText('Search documents by title'), 'Invoice 3{Enter}');
    await waitFor(() => {
      expect(router.state.location.search).toBe('?q=Invoice+3');
    });
    expect(await screen.findByText('Page 1 · 2 documents')).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Sort by'), 'Largest first');
    await waitFor(() => {
      expect(requestsTo('GET', /\/documents$/).at(-1)!.url.searchParams.get('sort')).toBe('-size');
    });
    expect(screen.getByRole('columnheader', { name: 'Size' })).toHaveAttribute('aria-sort', 'descending');

    await user.click(screen.getByRole('button', { name: 'Clear search' }));
    await waitFor(() => {
      expect(router.state.location.search).toBe('?sort=-size');
    });
  });

  it('explains when nothing matches', async () => {
    signIn();
    renderApp('/documents?q=zzz');
    expect(await screen.findByText('No documents match “zzz”.')).toBeInTheDocument();
  });

  it('fetches the documents in the route loader, before the page renders, so it never shows a loading state', async () => {
    signIn();
    const { user } = renderApp('/cases');
    await screen.findByRole('table', { name: 'Your cases' });
    const held = holdRequests('/customer/:id/documents');
    const loading = watchLoadingScreens();

    await user.click(screen.getByRole('link', { name: 'Documents' }));
    await waitFor(() => {
      expect(held.headingsAtArrival).toHaveLength(1);
    });
    // The loader asked while the previous page was still on screen: the documents page has not rendered.
    expect(held.headingsAtArrival).toEqual(['Cases']);
    expect(screen.getByRole('heading', { level: 1, name: 'Cases' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { level: 1, name: 'Documents' })).not.toBeInTheDocument();

    held.release();
    expect(await screen.findByRole('table', { name: 'Your documents' })).toBeInTheDocument();
    expect(loading.stop()).toEqual([]);
    // The page read the loader's answer from the cache rather than asking again.
    expect(requestsTo('GET', /\/documents$/)).toHaveLength(1);
  });

  it('says plainly when there are no documents at all', async () => {
    signIn();
    mockApi.documents = [];
    renderApp('/documents');
    expect(await screen.findByText('There are no documents yet.')).toBeInTheDocument();
    expect(screen.queryByText(/No documents match/)).not.toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Pagination' })).not.toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    // The search stays, empty, so the page still explains itself.
    expect(screen.getByLabelText('Search documents by title')).toHaveValue('');
    expect(requestsTo('GET', /\/documents$/)).toHaveLength(1);
  });

  it('shows a load failure in the page with its reference, and retries', async () => {
    signIn();
    server.use(http.get('/customer/:id/documents', () => problem(500, 'Boom')));
    const { user } = renderApp('/documents');
    // The loader tries twice (one retry for a 5xx), then the page explains.
    const failure = await screen.findByRole('alert', {}, { timeout: 8000 });
    expect(failure).toHaveTextContent('We could not load this page.');
    expect(failure).toHaveTextContent('Something went wrong on our side. Please try again in a moment.');
    expect(within(failure).getByText('req-500-abc')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Documents' })).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByText('There are no documents yet.')).not.toBeInTheDocument();

    server.resetHandlers();
    await user.click(within(failure).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('table', { name: 'Your documents' })).toBeInTheDocument();
    expect(screen.queryByText('We could not load this page.')).not.toBeInTheDocument();
    expect(requestsTo('GET', /\/documents$/)).toHaveLength(1);
  }, 15_000);

  it('says when the documents come from the cache, until a refetch is fresh', async () => {
    signIn();
    mockApi.staleAgeSeconds = 2 * 86_400;
    const { queryClient } = renderApp('/documents');
    await screen.findByRole('table', { name: 'Your documents' });
    expect(screen.getByRole('status')).toHaveTextContent(
      'Our document system is not reachable right now. You are seeing information from 2 days ago; it may be out of date.',
    );
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    mockApi.staleAgeSeconds = null;
    await act(() => queryClient.invalidateQueries({ queryKey: ['documents'] }));
    await waitFor(() => {
      expect(screen.getByRole('status')).toBeEmptyDOMElement();
    });
    expect(screen.getByRole('table', { name: 'Your documents' })).toBeInTheDocument();
  });

  it('shows no notice for fresh documents', async () => {
    signIn();
    renderApp('/documents');
    await screen.findByRole('table', { name: 'Your documents' });
    expect(screen.getByRole('status')).toBeEmptyDOMElement();
    expect(screen.queryByText(/may be out of date/)).not.toBeInTheDocument();
  });
});
