import { describe, expect, it } from 'vitest';
import { formatBytes, formatDateTime, formatRelative, parseTimestamp } from './format';

describe('formatBytes', () => {
  it('uses decimal units and one decimal for small values', () => {
    expect(formatBytes(0, 'en')).toBe('0 bytes');
    expect(formatBytes(999, 'en')).toBe('999 bytes');
    expect(formatBytes(1_200, 'en')).toBe('1.2 kB');
    expect(formatBytes(1_250_000, 'en')).toBe('1.3 MB');
    expect(formatBytes(250_000_000, 'en')).toBe('250 MB');
  });

  it('follows the locale', () => {
    expect(formatBytes(1_500, 'de-DE')).toBe('1,5 kB');
  });
});

describe('formatRelative', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  it.each([
    ['2026-03-10T11:59:50Z', 'now'],
    ['2026-03-10T11:55:00Z', '5 minutes ago'],
    ['2026-03-10T09:00:00Z', '3 hours ago'],
    ['2026-03-09T12:00:00Z', 'yesterday'],
    ['2026-02-24T12:00:00Z', '2 weeks ago'],
    ['2025-12-10T12:00:00Z', '3 months ago'],
    ['2024-03-10T12:00:00Z', '2 years ago'],
    ['2026-03-10T12:30:00Z', 'in 30 minutes'],
  ])('%s is %s', (iso, expected) => {
    expect(formatRelative(new Date(iso), now, 'en')).toBe(expected);
  });
});

describe('dates', () => {
  it('parses RFC 3339 and rejects garbage', () => {
    expect(parseTimestamp('2026-03-10T12:00:00Z')?.toISOString()).toBe('2026-03-10T12:00:00.000Z');
    expect(parseTimestamp('not a date')).toBeNull();
  });

  it('formats an absolute date in the locale', () => {
    expect(formatDateTime(new Date('2026-03-10T12:00:00Z'), 'en-GB')).toMatch(/10 Mar 2026/);
  });
});
