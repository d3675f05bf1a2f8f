import { render, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, parseProblem } from '../api/errors';
import { RouteErrorView } from '../components/RouteErrorView';
import { renderApp } from '../test/renderApp';
import { mockApi, problem, server, signIn } from '../test/server';
import { RootErrorPage } from './RootErrorPage';

const GENERIC = 'Something went wrong on our side. Please try again in a moment.';

/** React reports errors caught by a boundary on the console; expected here, so kept quiet. */
function quietBoundaryLogs() {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
}

describe('root error page (the shell itself could not load)', () => {
  it('shows a friendly message and the request id when the root loader fails, and recovers on retry', async () => {
    quietBoundaryLogs();
    signIn();
    server.use(http.get('/auth/session', () => problem(503, 'Salesforce unavailable: pool exhausted')));
    const { user } = renderApp('/cases');

    // The session check is retried once (a 5xx), then the root loader fails.
    expect(await screen.findByRole('heading', { level: 1, name: 'Something went wrong' }, { timeout: 8000 })).toBeInTheDocument();
    const main = screen.getByRole('main');
    expect(main).toHaveTextContent(GENERIC);
    expect(within(main).getByText('req-503-abc')).toBeInTheDocument();
    expect(main).toHaveTextContent('If you contact support, quote this reference');
    // Never the server's technical detail.
    expect(screen.queryByText(/pool exhausted/)).not.toBeInTheDocument();
    // A minimal shell: the skip link and the brand, but no navigation (the session is unknown).
    expect(screen.getByRole('link', { name: 'Skip to main content' })).toHaveAttribute('href', '#main');
    expect(screen.getByRole('link', { name: 'Customer Portal' })).toHaveAttribute('href', '/');
    expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument();
    // The tab title is set in an effect, which React may run after the heading is painted.
    await waitFor(() => {
      expect(document.title).toBe('Something went wrong · Customer Portal');
    });

    server.resetHandlers();
    await user.click(within(main).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('table', { name: 'Your cases' })).toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument();
  }, 15_000);

  it('explains an unreachable portal, with no reference when there is none', async () => {
    quietBoundaryLogs();
    server.use(http.get('/auth/session', () => HttpResponse.error()));
    renderApp('/documents');
    expect(await screen.findByRole('heading', { level: 1, name: 'Something went wrong' }, { timeout: 8000 })).toBeInTheDocument();
    expect(screen.getByRole('main')).toHaveTextContent('We could not reach the portal. Check your connection and try again.');
    expect(screen.queryByText('Reference:')).not.toBeInTheDocument();
  }, 15_000);
});

describe('an error thrown while rendering', () => {
  it('is caught inside the signed-in layout, with a friendly message and the navigation still there', async () => {
    quietBoundaryLogs();
    signIn();
    // A malformed answer (no `items`) makes the cases page throw while rendering.
    server.use(http.get('/customer/:id/cases', () => HttpResponse.json({ next_cursor: null })));
    const { user } = renderApp('/cases');
    expect(await screen.findByRole('heading', { level: 1, name: 'Something went wrong' })).toBeInTheDocument();
    const main = screen.getByRole('main');
    expect(main).toHaveTextContent(GENERIC);
    expect(within(main).queryByText('Reference:')).not.toBeInTheDocument();
    expect(main).not.toHaveTextContent(/TypeError|undefined|length/);
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument();

    // The rest of the portal still works.
    await user.click(screen.getByRole('link', { name: 'Documents' }));
    expect(await screen.findByRole('table', { name: 'Your documents' })).toBeInTheDocument();
    expect(mockApi.session).not.toBeNull();
  });

  function renderThrowing(error: unknown, ErrorBoundary: () => React.ReactNode) {
    const Boom = () => {
      throw error;
    };
    const router = createMemoryRouter([{ path: '/', Component: Boom, ErrorBoundary }], { initialEntries: ['/'] });
    return render(<RouterProvider router={router} />);
  }

  it('shows the request id of an API error that reached the root error page', async () => {
    quietBoundaryLogs();
    const error = new ApiError(500, parseProblem({ title: 'Internal', detail: 'stack: at foo.rs:12' }, 500), 'req-render-42');
    renderThrowing(error, RootErrorPage);
    expect(await screen.findByRole('heading', { level: 1, name: 'Something went wrong' })).toBeInTheDocument();
    expect(screen.getByRole('main')).toHaveTextContent(GENERIC);
    expect(screen.getByText('req-render-42')).toBeInTheDocument();
    expect(screen.queryByText(/foo\.rs/)).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Customer Portal' })).toBeInTheDocument();
  });

  it('says access is refused for a 403, with its request id', async () => {
    quietBoundaryLogs();
    renderThrowing(new ApiError(403, parseProblem({ title: 'Forbidden' }, 403), 'req-403-render'), RouteErrorView);
    expect(await screen.findByText('You do not have access to this page.')).toBeInTheDocument();
    expect(screen.getByText('req-403-render')).toBeInTheDocument();
  });

  it('shows only the friendly message for a programming error, never its text', async () => {
    quietBoundaryLogs();
    renderThrowing(new TypeError("Cannot read properties of undefined (reading 'items')"), RouteErrorView);
    expect(await screen.findByRole('heading', { level: 1, name: 'Something went wrong' })).toBeInTheDocument();
    expect(screen.getByText(GENERIC)).toBeInTheDocument();
    expect(screen.queryByText(/Cannot read properties/)).not.toBeInTheDocument();
    expect(screen.queryByText('Reference:')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to your cases' })).toHaveAttribute('href', '/cases');
  });
});
