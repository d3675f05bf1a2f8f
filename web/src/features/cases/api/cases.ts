import { queryOptions } from '@tanstack/react-query';
import { api, callFetched } from '../../../api/client';
import type { CaseQuery } from '../../../api/types';
import { currentCursor, readChoice, readCursors, readQuery } from '../../../lib/listSearch';

export const CASE_STATUS_FILTERS = ['all', 'open', 'closed'] as const satisfies readonly NonNullable<CaseQuery['status']>[];
export type CaseStatusFilter = (typeof CASE_STATUS_FILTERS)[number];

/** Whose cases a manager lists (decision 031): the company's (the default) or their own. */
export const CASE_SCOPES = ['company', 'mine'] as const satisfies readonly NonNullable<CaseQuery['scope']>[];
export type CaseScope = (typeof CASE_SCOPES)[number];

export const CASE_SORTS = [
  '-created_at',
  'created_at',
  '-updated_at',
  'updated_at',
  '-case_number',
  'case_number',
  'subject',
  '-subject',
  '-priority',
  'priority',
  'status',
  '-status',
] as const satisfies readonly NonNullable<CaseQuery['sort']>[];
export type CaseSort = (typeof CASE_SORTS)[number];
export const DEFAULT_CASE_SORT: CaseSort = '-created_at';
export const CASES_PAGE_SIZE = 25;

export interface CasesSearch {
  status: CaseStatusFilter;
  scope: CaseScope;
  q: string;
  sort: CaseSort;
  cursors: string[];
}

export function parseCasesSearch(params: URLSearchParams): CasesSearch {
  return {
    status: readChoice(params, 'status', CASE_STATUS_FILTERS, 'all'),
    scope: readChoice(params, 'scope', CASE_SCOPES, 'company'),
    q: readQuery(params),
    sort: readChoice(params, 'sort', CASE_SORTS, DEFAULT_CASE_SORT),
    cursors: readCursors(params),
  };
}

export const caseKeys = {
  all: (customerId: string) => ['cases', customerId] as const,
  lists: (customerId: string) => [...caseKeys.all(customerId), 'list'] as const,
  list: (customerId: string, search: CasesSearch) =>
    [
      ...caseKeys.lists(customerId),
      { status: search.status, scope: search.scope, q: search.q, sort: search.sort, cursor: currentCursor(search.cursors) ?? null },
    ] as const,
  detail: (customerId: string, caseId: string) => [...caseKeys.all(customerId), 'detail', caseId] as const,
};

export function casesQuery(customerId: string, search: CasesSearch) {
  const cursor = currentCursor(search.cursors);
  return queryOptions({
    queryKey: caseKeys.list(customerId, search),
    queryFn: ({ signal }) =>
      callFetched(
        api.GET('/customer/{customer_id}/cases', {
          params: {
            path: { customer_id: customerId },
            query: {
              status: search.status,
              // Absent: the company's cases for a manager, a member's own for a member.
              ...(search.scope === 'mine' ? { scope: 'mine' as const } : {}),
              limit: CASES_PAGE_SIZE,
              sort: search.sort,
              ...(search.q ? { q: search.q } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
          signal,
        }),
      ),
  });
}
