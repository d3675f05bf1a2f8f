import { describe, expect, it } from 'vitest';
import { safeReturnTo, signInPath } from './returnTo';

describe('safeReturnTo', () => {
  it.each([
    ['/cases?status=open', '/cases?status=open'],
    ['/documents', '/documents'],
    [null, '/cases'],
    ['', '/cases'],
    ['https://evil.example/', '/cases'],
    ['//evil.example/x', '/cases'],
    ['/\\evil.example', '/cases'],
    ['/sign-in?returnTo=/x', '/cases'],
    ['javascript:alert(1)', '/cases'],
  ])('%s -> %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });
});

describe('signInPath', () => {
  it('remembers where to return and why', () => {
    expect(signInPath('/cases?status=open', 'expired')).toBe('/sign-in?returnTo=%2Fcases%3Fstatus%3Dopen&reason=expired');
    expect(signInPath()).toBe('/sign-in');
    expect(signInPath('//evil')).toBe('/sign-in');
  });
});
