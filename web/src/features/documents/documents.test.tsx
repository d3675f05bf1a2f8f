import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/renderApp';
import { CUSTOMER_ID, mockApi, requestsTo, signIn } from '../../test/server';

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
