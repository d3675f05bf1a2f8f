import { describe, expect, it } from 'vitest';
import { charCount, hasControlCharacters } from './text';

describe('charCount', () => {
  it('counts code points like the server', () => {
    expect(charCount('abc')).toBe(3);
    expect(charCount('😀')).toBe(1);
    expect(charCount('é')).toBe(1);
  });
});

describe('hasControlCharacters', () => {
  it('finds C0, DEL and C1 controls', () => {
    expect(hasControlCharacters('line\nbreak')).toBe(true);
    expect(hasControlCharacters('tab\there')).toBe(true);
    expect(hasControlCharacters('del\u007f')).toBe(true);
    expect(hasControlCharacters('c1\u0085')).toBe(true);
    expect(hasControlCharacters('Invoice – café ✓')).toBe(false);
  });
});
