/**
 * Length in Unicode code points, which is how the server counts characters (Rust `chars()`),
 * so an emoji counts once rather than as two UTF-16 units.
 */
export function charCount(value: string): number {
  // Array.from iterates by code point.
  return Array.from(value).length;
}

// Unicode general category Cc: C0 and C1 control characters and DEL.
const CONTROL = /\p{Cc}/u;

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}
