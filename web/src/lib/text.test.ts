import { describe, expect, it } from 'vitest';
import { charCount, hasControlCharacters, hasControlCharactersExceptLineBreaks, trimWhiteSpace } from './text';

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

describe('hasControlCharactersExceptLineBreaks (the description rule)', () => {
  it('allows line feeds, carriage returns and tabs', () => {
    expect(hasControlCharactersExceptLineBreaks('first\r\nsecond\tthird\n')).toBe(false);
    expect(hasControlCharactersExceptLineBreaks('Invoice – café ✓ 😀')).toBe(false);
  });

  it('finds every other control character', () => {
    expect(hasControlCharactersExceptLineBreaks('bell\u0007')).toBe(true);
    expect(hasControlCharactersExceptLineBreaks('nul\u0000')).toBe(true);
    expect(hasControlCharactersExceptLineBreaks('vertical\u000btab')).toBe(true);
    expect(hasControlCharactersExceptLineBreaks('form\u000cfeed')).toBe(true);
    expect(hasControlCharactersExceptLineBreaks('escape\u001b[0m')).toBe(true);
    expect(hasControlCharactersExceptLineBreaks('del\u007f')).toBe(true);
    expect(hasControlCharactersExceptLineBreaks('next line\u0085')).toBe(true);
    expect(hasControlCharactersExceptLineBreaks('c1\u009f')).toBe(true);
  });

  it('does not mistake format characters for controls', () => {
    // Cf, not Cc: Rust's `char::is_control` is false for these too.
    expect(hasControlCharactersExceptLineBreaks('zero\u200bwidth\u200d\ufeff')).toBe(false);
  });
});

describe('trimWhiteSpace (Rust str::trim)', () => {
  it('trims ASCII and Unicode white space at both ends only', () => {
    expect(trimWhiteSpace('  Printer jam \t\r\n')).toBe('Printer jam');
    expect(trimWhiteSpace('\u00a0\u2003\u3000Printer  jam\u2028\u2029\u202f\u205f\u1680')).toBe('Printer  jam');
    expect(trimWhiteSpace('\u000b\u000cx\u000b\u000c')).toBe('x');
    expect(trimWhiteSpace(' \n\t ')).toBe('');
    expect(trimWhiteSpace('')).toBe('');
    expect(trimWhiteSpace('😀 ')).toBe('😀');
  });

  it('trims U+0085 (next line) like Rust, which String.prototype.trim does not', () => {
    expect('\u0085x\u0085'.trim()).toBe('\u0085x\u0085');
    expect(trimWhiteSpace('\u0085x\u0085')).toBe('x');
  });

  it('keeps U+FEFF and zero-width characters like Rust, which String.prototype.trim does not', () => {
    expect('\ufeffx'.trim()).toBe('x');
    expect(trimWhiteSpace('\ufeffx\ufeff')).toBe('\ufeffx\ufeff');
    expect(trimWhiteSpace('\u200bx\u200b')).toBe('\u200bx\u200b');
  });
});
