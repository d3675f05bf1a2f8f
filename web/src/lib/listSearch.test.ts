import { describe, expect, it } from 'vitest';
import { readChoice, readCursors, updateSearch } from './listSearch';

describe('list search params', () => {
  it('reads the cursor stack in order', () => {
    expect(readCursors(new URLSearchParams('cursor=a&cursor=b&cursor='))).toEqual(['a', 'b']);
  });

  it('falls back on unknown choices', () => {
    expect(readChoice(new URLSearchParams('sort=evil'), 'sort', ['a', 'b'] as const, 'a')).toBe('a');
    expect(readChoice(new URLSearchParams('sort=b'), 'sort', ['a', 'b'] as const, 'a')).toBe('b');
  });

  it('resets paging when a filter changes and keeps other params', () => {
    const next = updateSearch(new URLSearchParams('status=open&cursor=a&cursor=b'), { q: 'printer' });
    expect(next.toString()).toBe('status=open&q=printer');
  });

  it('replaces the cursor stack when paging', () => {
    const next = updateSearch(new URLSearchParams('q=x&cursor=a'), {}, ['a', 'b']);
    expect(next.getAll('cursor')).toEqual(['a', 'b']);
    expect(next.get('q')).toBe('x');
  });
});
