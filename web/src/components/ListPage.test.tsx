import { QueryClient, QueryClientProvider, queryOptions } from '@tanstack/react-query';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Fetched } from '../api/freshness';
import { currentCursor, readChoice, readCursors, readQuery } from '../lib/listSearch';
import { listLoader, useListPage, type ListData, type ListSearch } from '../lib/useListPage';
import { PROTECTED_ROUTE_ID, requireSession } from '../session/session';
import { signIn } from '../test/server';
import { ListPage } from './ListPage';

// A made-up list, so that the shell's own paging and URL handling are tested apart from any
// feature: seven things, three to a page; a cursor is the offset of its page's first thing.
interface Thing {
  id: string;
  name: string;
}
const THINGS: Thing[] = Array.from({ length: 7 }, (_, i) => ({ id: `thing-${String(i)}`, name: `Thing ${String(i + 1)}` }));
const PAGE_SIZE = 3;
const SORTS = ['name', '-name'] as const;

interface ThingsSearch extends ListSearch {
  sort: (typeof SORTS)[number];
}

function parseThingsSearch(params: URLSearchParams): ThingsSearch {
  return { q: readQuery(params), sort: readChoice(params, 'sort', SORTS, 'name'), cursors: readCursors(params) };
}

const backend = {
  failing: false,
  /** While set, answers wait for it. */
  gate: null as Promise<void> | null,
};

beforeEach(() => {
  backend.failing = false;
  backend.gate = null;
});

function thingsQuery(customerId: string, search: ThingsSearch) {
  const cursor = currentCursor(search.cursors) ?? null;
  return queryOptions({
    queryKey: ['things', customerId, search.q, search.sort, cursor],
    queryFn: async (): Promise<Fetched<ListData<Thing>>> => {
      if (backend.gate) await backend.gate;
      if (backend.failing) throw new Error('down');
      const matching = THINGS.filter((thing) => thing.name.includes(search.q));
      if (search.sort === '-name') matching.reverse();
      const offset = Number(cursor ?? 0);
      const next = offset + PAGE_SIZE;
      return {
        data: { items: matching.slice(offset, next), next_cursor: next < matching.length ? String(next) : null },
        stale: null,
      };
    },
  });
}

const things = { path: '/things', parse: parseThingsSearch, query: thingsQuery };
const sortOptions = SORTS.map((value) => ({ value, label: value === 'name' ? 'A–Z' : 'Z–A' }));

function ThingsPage() {
  const list = useListPage(things);
  return (
    <ListPage
      list={list}
      source="documents"
      sortOptions={sortOptions}
      onSortChange={(sort) => {
        list.change({ sort });
      }}
      emptyMessage="Nothing here."
      renderItems={(items) => (
        <ul aria-label="Things">
          {items.map((thing) => (
            <li key={thing.id}>{thing.name}</li>
          ))}
        </ul>
      )}
    />
  );
}

function renderThings(path: string) {
  signIn();
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 30_000 } } });
  const router = createMemoryRouter(
    [
      {
        id: PROTECTED_ROUTE_ID,
        loader: ({ request }) => requireSession(queryClient, request),
        HydrateFallback: () => null,
        children: [{ path: 'things', loader: listLoader(queryClient, things), Component: ThingsPage }],
      },
    ],
    { initialEntries: [path] },
  );
  render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { router, user: userEvent.setup() };
}

function shownNames(): string[] {
  return within(screen.getByRole('list', { name: 'Things' }))
    .getAllByRole('listitem')
    .map((item) => item.textContent);
}

describe('ListPage', () => {
  it('pages forward by pushing cursors onto the URL and back by popping them, keeping the other params', async () => {
    const { router, user } = renderThings('/things?sort=-name');
    expect(await screen.findByText('Page 1 · 3 documents')).toBeInTheDocument();
    expect(shownNames()).toEqual(['Thing 7', 'Thing 6', 'Thing 5']);
    expect(screen.getByRole('button', { name: 'Previous page' })).toHaveAttribute('aria-disabled', 'true');

    await user.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('Page 2 · 3 documents')).toBeInTheDocument();
    expect(router.state.location.search).toBe('?sort=-name&cursor=3');

    await user.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('Page 3 · 1 document')).toBeInTheDocument();
    expect(router.state.location.search).toBe('?sort=-name&cursor=3&cursor=6');
    expect(shownNames()).toEqual(['Thing 1']);
    // The last page: "Next" stays focusable but goes nowhere.
    const next = screen.getByRole('button', { name: 'Next page' });
    expect(next).toHaveAttribute('aria-disabled', 'true');
    await user.click(next);
    expect(router.state.location.search).toBe('?sort=-name&cursor=3&cursor=6');

    await user.click(screen.getByRole('button', { name: 'Previous page' }));
    expect(await screen.findByText('Page 2 · 3 documents')).toBeInTheDocument();
    expect(router.state.location.search).toBe('?sort=-name&cursor=3');
    expect(shownNames()).toEqual(['Thing 4', 'Thing 3', 'Thing 2']);

    await user.click(screen.getByRole('button', { name: 'Previous page' }));
    expect(await screen.findByText('Page 1 · 3 documents')).toBeInTheDocument();
    expect(router.state.location.search).toBe('?sort=-name');
  });

  it('starts again from the first page when the search or the sort changes', async () => {
    const { router, user } = renderThings('/things?cursor=3&cursor=6');
    expect(await screen.findByText('Page 3 · 1 document')).toBeInTheDocument();

    await user.type(screen.getByLabelText('Search documents by title'), 'Thing{Enter}');
    await waitFor(() => {
      expect(router.state.location.search).toBe('?q=Thing');
    });
    expect(await screen.findByText('Page 1 · 3 documents')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('Page 2 · 3 documents')).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Sort by'), 'Z–A');
    await waitFor(() => {
      expect(router.state.location.search).toBe('?q=Thing&sort=-name');
    });
    expect(await screen.findByText('Page 1 · 3 documents')).toBeInTheDocument();
    expect(shownNames()).toEqual(['Thing 7', 'Thing 6', 'Thing 5']);
  });

  it('while a new choice loads, shows it in the controls and says the results on screen are updating', async () => {
    const { router } = renderThings('/things');
    expect(await screen.findByText('Page 1 · 3 documents')).toBeInTheDocument();
    expect(screen.getByText('Page 1 · 3 documents')).not.toHaveTextContent('Updating');

    let release: () => void = () => undefined;
    backend.gate = new Promise((resolve) => {
      release = resolve;
    });
    // Not from the page's own controls (like the back button), so only the pending URL can
    // tell them what to show.
    let navigated: Promise<void> = Promise.resolve();
    act(() => {
      navigated = router.navigate('/things?q=Thing+2&sort=-name');
    });
    await waitFor(() => {
      expect(screen.getByLabelText('Search documents by title')).toHaveValue('Thing 2');
    });
    expect(screen.getByLabelText('Sort by')).toHaveValue('-name');
    expect(router.state.location.search).toBe('');
    const summary = screen.getByText(/^Page 1 · 3 documents/);
    expect(summary).toHaveAttribute('aria-live', 'polite');
    expect(summary).toHaveTextContent('Page 1 · 3 documents · Updating…');
    expect(shownNames()).toEqual(['Thing 1', 'Thing 2', 'Thing 3']);

    release();
    await act(() => navigated);
    expect(await screen.findByText('Page 1 · 1 document')).toBeInTheDocument();
    expect(screen.getByText('Page 1 · 1 document')).not.toHaveTextContent('Updating');
    expect(shownNames()).toEqual(['Thing 2']);
  });

  it('shows the empty message instead of results and paging', async () => {
    renderThings('/things?q=nothing');
    expect(await screen.findByText('Nothing here.')).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Things' })).not.toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Pagination' })).not.toBeInTheDocument();
    expect(screen.getByLabelText('Search documents by title')).toHaveValue('nothing');
  });

  it('shows a failure in the page, below the controls, and tries again', async () => {
    backend.failing = true;
    const { user } = renderThings('/things');
    const failure = await screen.findByRole('alert');
    expect(failure).toHaveTextContent('We could not load this page.');
    expect(screen.getByRole('heading', { level: 1, name: 'Documents' })).toBeInTheDocument();
    expect(screen.getByLabelText('Search documents by title')).toBeInTheDocument();

    backend.failing = false;
    await user.click(within(failure).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Page 1 · 3 documents')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
