import { queryOptions } from '@tanstack/react-query';
import { api, callFetched } from '../../../api/client';
import type { DocumentQuery, PortalDocument } from '../../../api/types';
import type { MessageKey } from '../../../i18n';
import { currentCursor, readChoice, readCursors, readQuery } from '../../../lib/listSearch';

export const DOCUMENT_SORTS = ['-created_at', 'created_at', 'title', '-title', '-size', 'size'] as const satisfies readonly NonNullable<
  DocumentQuery['sort']
>[];
export type DocumentSort = (typeof DOCUMENT_SORTS)[number];
export const DEFAULT_DOCUMENT_SORT: DocumentSort = '-created_at';
export const DOCUMENTS_PAGE_SIZE = 25;

export interface DocumentsSearch {
  q: string;
  sort: DocumentSort;
  cursors: string[];
}

export function parseDocumentsSearch(params: URLSearchParams): DocumentsSearch {
  return {
    q: readQuery(params),
    sort: readChoice(params, 'sort', DOCUMENT_SORTS, DEFAULT_DOCUMENT_SORT),
    cursors: readCursors(params),
  };
}

export const documentKeys = {
  all: (customerId: string) => ['documents', customerId] as const,
  list: (customerId: string, search: DocumentsSearch) =>
    [...documentKeys.all(customerId), 'list', { q: search.q, sort: search.sort, cursor: currentCursor(search.cursors) ?? null }] as const,
};

export function documentsQuery(customerId: string, search: DocumentsSearch) {
  const cursor = currentCursor(search.cursors);
  return queryOptions({
    queryKey: documentKeys.list(customerId, search),
    queryFn: ({ signal }) =>
      callFetched(
        api.GET('/customer/{customer_id}/documents', {
          params: {
            path: { customer_id: customerId },
            query: {
              limit: DOCUMENTS_PAGE_SIZE,
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

/**
 * The download route answers with a redirect to a short-lived signed link, so a plain link
 * works: the browser sends the session cookie and follows the redirect to the file.
 */
export function downloadHref(customerId: string, documentId: string): string {
  return `/customer/${encodeURIComponent(customerId)}/documents/${encodeURIComponent(documentId)}/download`;
}

const TYPE_BY_MIME: Record<string, MessageKey> = {
  'application/pdf': 'documents.type.pdf',
  'text/csv': 'documents.type.csv',
  'application/json': 'documents.type.json',
  'application/zip': 'documents.type.zip',
  'application/msword': 'documents.type.word',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'documents.type.word',
  'application/vnd.ms-excel': 'documents.type.spreadsheet',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'documents.type.spreadsheet',
};

/** A human name for a document's type, from its media type. */
export function documentTypeKey(document: Pick<PortalDocument, 'content_type'>): MessageKey {
  const mime = (document.content_type.split(';')[0] ?? '').trim().toLowerCase();
  const known = TYPE_BY_MIME[mime];
  if (known) return known;
  if (mime.startsWith('image/')) return 'documents.type.image';
  if (mime.startsWith('text/')) return 'documents.type.text';
  return 'documents.type.other';
}
