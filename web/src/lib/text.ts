/**
 * Length in Unicode code points, which is how the server counts characters (Rust `chars()`),
 * so an emoji counts once rather than as two UTF-16 units.
 */
export function charCount(value: string): number {
  // Array.from iterates by code point.
  return Array.from(value).length;
}

// Unicode general category Cc: C0 and C1 control characters and DEL (Rust `char::is_control`).
const CONTROL = /\p{Cc}/u;
// The same, except line feed, carriage return and tab, which a description may contain.
const CONTROL_EXCEPT_LINE_BREAKS_AND_TABS = /(?![\n\r\t])\p{Cc}/u;
// The Unicode White_Space property (Rust `char::is_whitespace`). Every such character is in the
// Basic Multilingual Plane, so testing one UTF-16 unit at a time is exact.
const WHITE_SPACE = /^\p{White_Space}$/u;

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** Control characters other than `\n`, `\r` and `\t`: what the server refuses in a description. */
export function hasControlCharactersExceptLineBreaks(value: string): boolean {
  return CONTROL_EXCEPT_LINE_BREAKS_AND_TABS.test(value);
}

function isWhiteSpace(unit: string): boolean {
  return WHITE_SPACE.test(unit);
}

/**
 * Trims like the server (Rust `str::trim`): Unicode White_Space at both ends. Unlike
 * `String.prototype.trim` it removes U+0085 (next line) and keeps U+FEFF (byte order mark).
 */
export function trimWhiteSpace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isWhiteSpace(value.charAt(start))) start += 1;
  while (end > start && isWhiteSpace(value.charAt(end - 1))) end -= 1;
  return value.slice(start, end);
}
