/**
 * List pages keep their state in the URL so that reload, back and shared links all work:
 * `q` (search), `sort`, filters, and `cursor` (repeated) — the stack of cursors that led to the
 * current page. Forward-only cursors are turned into previous/next paging by that stack.
 */
export interface Paging {
  /** Cursors of pages 2..n; the current page's cursor is the last one. */
  cursors: string[];
}

export function readCursors(params: URLSearchParams): string[] {
  return params.getAll('cursor').filter((cursor) => cursor !== '');
}

export function currentCursor(cursors: readonly string[]): string | undefined {
  return cursors.at(-1);
}

export function readChoice<V extends string>(params: URLSearchParams, name: string, allowed: readonly V[], fallback: V): V {
  const value = params.get(name);
  return allowed.find((candidate) => candidate === value) ?? fallback;
}

export function readQuery(params: URLSearchParams): string {
  return (params.get('q') ?? '').trim().slice(0, 200);
}

/**
 * A copy of `params` with `changes` applied (`undefined` or '' removes a key). Any change other
 * than paging starts again from the first page.
 */
export function updateSearch(
  params: URLSearchParams,
  changes: Record<string, string | undefined>,
  cursors?: readonly string[],
): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === '') next.delete(key);
    else next.set(key, value);
  }
  next.delete('cursor');
  for (const cursor of cursors ?? []) next.append('cursor', cursor);
  return next;
}
