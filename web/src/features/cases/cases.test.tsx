import { act, screen, waitFor, within } from '@testing-library/react';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/renderApp';
import { holdRequests, watchLoadingScreens } from '../../test/routeLoading';
import { mockApi, problem, requestsTo, server, signIn } from '../../test/server';

describe('cases list', () => {
  it('shows cases with number, status, priority and dates, and marks the current page', async () => {
    signIn();
    renderApp('/cases');
    const table = await screen.findByRole('table', { name: 'Your cases' });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(26); // header + 25
    const first = rows[1]!;
    expect(within(first).getByRole('link', { name: 'Case subject 1' })).toHaveAttribute('href', `/cases/${mockApi.cases[0]!.id}`);
    expect(within(first).getByText('New')).toBeInTheDocument();
    expect(within(first).getByText('Low')).toBeInTheDocument();
    expect(first.querySelector('time')).toHaveAttribute('datetime', mockApi.cases[0]!.created_at);
    expect(screen.getByRole('link', { name: 'Cases' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('link', { name: 'Documents' })).not.toHaveAttribute('aria-current');
  });

  it('keeps filter, search and paging in the URL', async () => {
    signIn();
    const { user, router } = renderApp('/cases');
    await screen.findByRole('table', { name: 'Your cases' });

    await user.click(screen.getByRole('radio', { name: 'Open' }));
    await waitFor(() => {
      expect(router.state.location.search).toBe('?status=open');
    });
    // Case 6 is closed: once it is gone, the open cases are on screen.
    await waitFor(() => {
      expect(screen.queryByRole('link', { name: 'Case subject 6' })).not.toBeInTheDocument();
    });

    await user.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => {
      expect(router.state.location.search).toBe('?status=open&cursor=25');
    });
    expect(await screen.findByText('Page 2 · 25 cases')).toBeInTheDocument();
    const last = requestsTo('GET', /\/cases$/).at(-1)!;
    expect(last.url.searchParams.get('cursor')).toBe('25');
    expect(last.url.searchParams.get('status')).toBe('open');

    await user.click(screen.getByRole('button', { name: 'Previous page' }));
    await waitFor(() => {
      expect(router.state.location.search).toBe('?status=open');
    });
    expect(await screen.findByText('Page 1 · 25 cases')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Previous page' })).toHaveAttribute('aria-disabled', 'true');

    await user.type(screen.getByLabelText('Search by subject or case number'), 'subject 1{Enter}');
    await waitFor(() => {
      expect(router.state.location.search).toBe('?status=open&q=subject+1');
    });
    await waitFor(() => {
      expect(screen.queryByRole('link', { name: 'Case subject 2' })).not.toBeInTheDocument();
    });

    await user.selectOptions(screen.getByLabelText('Sort by'), 'Subject A–Z');
    await waitFor(() => {
      expect(router.state.location.search).toBe('?status=open&q=subject+1&sort=subject');
    });
    expect(requestsTo('GET', /\/cases$/).at(-1)!.url.searchParams.get('sort')).toBe('subject');
  });

  it('restores the page from the URL on load', async () => {
    signIn();
    renderApp('/cases?status=open&cursor=25');
    expect(await screen.findByText('Page 2 · 25 cases')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'Open' })).toBeChecked();
    expect(screen.getByRole('button', { name: 'Previous page' })).toHaveAttribute('aria-disabled', 'false');
  });

  it('says politely when the list comes from the cache while Salesforce is down, until fresh data arrives', async () => {
    signIn();
    mockApi.staleAgeSeconds = 120;
    const { queryClient } = renderApp('/cases');
    await screen.findByRole('table', { name: 'Your cases' });
    const notice = screen.getByRole('status');
    expect(notice).toHaveTextContent(
      'Our case system is not reachable right now. You are seeing information from 2 minutes ago; it may be out of date.',
    );
    // Near the heading, before the filters; polite, and not something that takes focus.
    expect(screen.getByRole('heading', { level: 1, name: 'Cases' }).compareDocumentPosition(notice)).toBe(
      Node.DOCUMENT_POSITION_FOLLOWING,
    );
    expect(notice.compareDocumentPosition(screen.getByRole('radio', { name: 'All' })) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(notice.querySelector('[tabindex]')).toBeNull();

    mockApi.staleAgeSeconds = null;
    await act(() => queryClient.invalidateQueries({ queryKey: ['cases'] }));
    await waitFor(() => {
      expect(screen.getByRole('status')).toBeEmptyDOMElement();
    });
    expect(screen.getByRole('table', { name: 'Your cases' })).toBeInTheDocument();
  });

  it('shows no notice for fresh data', async () => {
    signIn();
    renderApp('/cases');
    await screen.findByRole('table', { name: 'Your cases' });
    expect(screen.getByRole('status')).toBeEmptyDOMElement();
    expect(screen.queryByText(/may be out of date/)).not.toBeInTheDocument();
  });

  it('explains an empty result', async () => {
    signIn();
    renderApp('/cases?q=nothing-matches');
    expect(await screen.findByText('No cases match your filters.')).toBeInTheDocument();
  });

  it('fetches the list in the route loader, before the page renders, so it never shows a loading state', async () => {
    signIn();
    const { user } = renderApp('/documents');
    await screen.findByRole('table', { name: 'Your documents' });
    const held = holdRequests('/customer/:id/cases');
    const loading = watchLoadingScreens();

    await user.click(screen.getByRole('link', { name: 'Cases' }));
    await waitFor(() => {
      expect(held.headingsAtArrival).toHaveLength(1);
    });
    // The loader asked while the previous page was still on screen: the cases page has not rendered.
    expect(held.headingsAtArrival).toEqual(['Documents']);
    expect(screen.getByRole('heading', { level: 1, name: 'Documents' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { level: 1, name: 'Cases' })).not.toBeInTheDocument();

    held.release();
    expect(await screen.findByRole('table', { name: 'Your cases' })).toBeInTheDocument();
    expect(loading.stop()).toEqual([]);
    // The page read the loader's answer from the cache rather than asking again.
    const requests = requestsTo('GET', /\/cases$/);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url.searchParams.get('status')).toBe('all');
  });

  it('says plainly when the customer has no cases at all', async () => {
    signIn();
    mockApi.cases = [];
    renderApp('/cases');
    expect(await screen.findByText('You have no cases yet.')).toBeInTheDocument();
    expect(screen.queryByText('No cases match your filters.')).not.toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Pagination' })).not.toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'All' })).toBeChecked();
    // The way forward is right there.
    expect(within(screen.getByRole('main')).getByRole('link', { name: 'New case' })).toHaveAttribute('href', '/cases/new');
  });

  it('shows a load failure in the page with its reference, and retries', async () => {
    signIn();
    server.use(http.get('/customer/:id/cases', () => problem(500, 'Boom')));
    const { user } = renderApp('/cases');
    expect(await screen.findByText('We could not load this page.', {}, { timeout: 8000 })).toBeInTheDocument();
    expect(screen.getByText('req-500-abc')).toBeInTheDocument();
    server.resetHandlers();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('table', { name: 'Your cases' })).toBeInTheDocument();
  }, 15_000);

  it('goes to sign-in when the session has ended', async () => {
    signIn();
    const { router } = renderApp('/cases?status=open');
    await screen.findByRole('table', { name: 'Your cases' });
    mockApi.session = null;
    await router.navigate('/cases?status=closed');
    expect(await screen.findByText('Your session has ended. Sign in again to continue where you were.')).toBeInTheDocument();
    expect(new URLSearchParams(router.state.location.search).get('returnTo')).toBe('/cases?status=closed');
  });
});

describe('case detail', () => {
  it('shows every field and links back to the same list view', async () => {
    signIn();
    const { user, router } = renderApp('/cases?status=closed');
    const item = mockApi.cases.find((c) => c.is_closed)!;
    await user.click(await screen.findByRole('link', { name: item.subject }));
    expect(await screen.findByRole('heading', { level: 1, name: item.subject })).toBeInTheDocument();
    await waitFor(() => {
      expect(screen.getByRole('heading', { level: 1 })).toHaveFocus();
    });
    expect(screen.getAllByText(item.case_number).length).toBeGreaterThan(0);
    expect(screen.getAllByText('Closed').length).toBeGreaterThan(0);
    expect(screen.getByText(/Second line/)).toBeInTheDocument();
    await waitFor(() => {
      expect(document.title).toBe(`Case ${item.case_number} · Customer Portal`);
    });
    await user.click(screen.getByRole('link', { name: /Back to cases/ }));
    await waitFor(() => {
      expect(router.state.location.search).toBe('?status=closed');
    });
  });

  it('says when the case comes from the cache, and stops once a refetch is fresh', async () => {
    signIn();
    mockApi.staleAgeSeconds = 3 * 3600;
    const item = mockApi.cases[0]!;
    const { queryClient } = renderApp(`/cases/${item.id}`);
    expect(await screen.findByRole('heading', { level: 1, name: item.subject })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent(
      'Our case system is not reachable right now. You are seeing information from 3 hours ago; it may be out of date.',
    );
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    mockApi.staleAgeSeconds = null;
    await act(() => queryClient.invalidateQueries({ queryKey: ['cases'] }));
    await waitFor(() => {
      expect(screen.getByRole('status')).toBeEmptyDOMElement();
    });
    expect(screen.getByRole('heading', { level: 1, name: item.subject })).toBeInTheDocument();
  });

  it('shows no notice for a fresh case', async () => {
    signIn();
    const item = mockApi.cases[0]!;
    renderApp(`/cases/${item.id}`);
    expect(await screen.findByRole('heading', { level: 1, name: item.subject })).toBeInTheDocument();
    expect(screen.getByRole('status')).toBeEmptyDOMElement();
  });

  it('says a case that is not the customer’s is not found', async () => {
    signIn();
    renderApp('/cases/500SOMEONEELSE0001');
    expect(await screen.findByRole('heading', { level: 1, name: 'Case not found' })).toBeInTheDocument();
  });

  it('shows a friendly error with the request id when loading fails', async () => {
    signIn();
    server.use(http.get('/customer/:id/cases/:caseId', () => problem(503, 'Salesforce unavailable')));
    renderApp(`/cases/${mockApi.cases[0]!.id}`);
    expect(await screen.findByRole('heading', { level: 1, name: 'Something went wrong' }, { timeout: 8000 })).toBeInTheDocument();
    expect(screen.getByText('req-503-abc')).toBeInTheDocument();
  }, 15_000);
});

describe('not found', () => {
  it('has a not-found page', async () => {
    signIn();
    renderApp('/no/such/page');
    expect(await screen.findByRole('heading', { level: 1, name: 'Page not found' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to your cases' })).toHaveAttribute('href', '/cases');
  });
});
