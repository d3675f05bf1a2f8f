import { describe, expect, it } from 'vitest';
import { readStaleness, staleSince } from './freshness';

const NOW = Date.UTC(2026, 10, 2, 12);

describe('readStaleness', () => {
  it('is null for a fresh response', () => {
    expect(readStaleness(new Headers(), NOW)).toBeNull();
    expect(readStaleness(new Headers({ Age: '30' }), NOW)).toBeNull();
    expect(readStaleness(new Headers({ 'X-Data-Stale': 'false', Age: '30' }), NOW)).toBeNull();
  });

  it('reads the age of cached data', () => {
    expect(readStaleness(new Headers({ 'X-Data-Stale': 'true', Age: '120' }), NOW)).toEqual({ ageSeconds: 120, receivedAt: NOW });
    expect(readStaleness(new Headers({ 'x-data-stale': ' TRUE ', age: ' 0 ' }), NOW)).toEqual({ ageSeconds: 0, receivedAt: NOW });
  });

  it('is still stale, of unknown age, when Age is missing or unreadable', () => {
    expect(readStaleness(new Headers({ 'X-Data-Stale': 'true' }), NOW)).toEqual({ ageSeconds: null, receivedAt: NOW });
    expect(readStaleness(new Headers({ 'X-Data-Stale': 'true', Age: '-5' }), NOW)?.ageSeconds).toBeNull();
    expect(readStaleness(new Headers({ 'X-Data-Stale': 'true', Age: '1.5' }), NOW)?.ageSeconds).toBeNull();
  });
});

describe('staleSince', () => {
  it('is when the data was last current', () => {
    expect(staleSince({ ageSeconds: 120, receivedAt: NOW })).toEqual(new Date(NOW - 120_000));
    expect(staleSince({ ageSeconds: null, receivedAt: NOW })).toBeNull();
  });
});
