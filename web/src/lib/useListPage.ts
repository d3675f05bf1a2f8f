import { keepPreviousData, useQuery, type QueryClient, type QueryKey, type UseQueryOptions, type UseQueryResult } from '@tanstack/react-query';
import { useNavigation, useSearchParams, type LoaderFunctionArgs } from 'react-router';
import type { Fetched } from '../api/freshness';
import { requireSession, useSession, withSession } from '../session/session';
import { updateSearch, type Paging } from './listSearch';

/** What every list keeps in its URL besides its own filters: a search, a sort and the cursor stack. */
export interface ListSearch extends Paging {
  q: string;
  sort: string;
}

/** One page of a cursor-paged list, as the API answers it. */
export interface ListData<Item> {
  items: Item[];
  next_cursor?: string | null;
}

type ListQueryOptions<Item, Key extends QueryKey> = UseQueryOptions<Fetched<ListData<Item>>, Error, Fetched<ListData<Item>>, Key>;

export interface ListPageConfig<S extends ListSearch, Item, Key extends QueryKey> {
  /** The route's path; only a navigation to it makes this page's results "updating". */
  path: string;
  parse: (params: URLSearchParams) => S;
  query: (customerId: string, search: S) => ListQueryOptions<Item, Key>;
}

export interface ListPageState<S extends ListSearch, Item> {
  customerId: string;
  /** The URL's search params, as the results on screen were asked for. */
  params: URLSearchParams;
  /** What the results on screen were asked for. */
  search: S;
  /** What the controls show: the choice being loaded, if any, so they answer at once. */
  shown: S;
  query: UseQueryResult<Fetched<ListData<Item>>>;
  /** The results on screen are older than the choice the customer made. */
  stale: boolean;
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  /** Applies filter changes to the URL (`undefined` or '' removes one); starts again from page 1. */
  change: (changes: Record<string, string | undefined>) => void;
  previousPage: () => void;
  nextPage: () => void;
}

/**
 * A list page's state, kept in the URL (see listSearch). The query keeps showing the previous
 * results while the next ones load, so paging and filtering do not blank the page.
 */
export function useListPage<S extends ListSearch, Item, Key extends QueryKey>({
  path,
  parse,
  query: queryFor,
}: ListPageConfig<S, Item, Key>): ListPageState<S, Item> {
  const customerId = useSession().customer.id;
  const [params, setParams] = useSearchParams();
  const search = parse(params);
  const query = useQuery({ ...queryFor(customerId, search), placeholderData: keepPreviousData });
  const navigation = useNavigation();
  // The route's loader fetches before the URL changes, so a pending navigation is the newer choice.
  const pendingHere = navigation.state === 'loading' && navigation.location.pathname === path;
  const shown = pendingHere ? parse(new URLSearchParams(navigation.location.search)) : search;
  const nextCursor = query.data?.data.next_cursor ?? null;

  function go(changes: Record<string, string | undefined>, cursors?: string[]) {
    setParams(updateSearch(params, changes, cursors));
  }

  return {
    customerId,
    params,
    search,
    shown,
    query,
    stale: query.isPlaceholderData || pendingHere,
    page: search.cursors.length + 1,
    hasPrevious: search.cursors.length > 0,
    hasNext: nextCursor !== null,
    change: (changes) => {
      go(changes);
    },
    previousPage: () => {
      go({}, search.cursors.slice(0, -1));
    },
    nextPage: () => {
      if (nextCursor) go({}, [...search.cursors, nextCursor]);
    },
  };
}

/**
 * The loader of a list route: it fetches the page the URL asks for before the route renders,
 * so that the page never shows a loading state on arrival. An ended session goes to sign-in;
 * other failures are shown inside the page, next to its search and filters.
 */
export function listLoader<S extends ListSearch, Item, Key extends QueryKey>(
  queryClient: QueryClient,
  { parse, query }: Pick<ListPageConfig<S, Item, Key>, 'parse' | 'query'>,
) {
  return async ({ request }: LoaderFunctionArgs) => {
    const session = await requireSession(queryClient, request);
    const search = parse(new URL(request.url).searchParams);
    await withSession(queryClient, request, () => queryClient.query(query(session.customer.id, search))).catch((error: unknown) => {
      if (error instanceof Response) throw error;
    });
    return null;
  };
}
