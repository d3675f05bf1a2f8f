/**
 * The languages the portal speaks, and which one a visitor gets: the one they chose in the footer
 * (kept in this browser), otherwise the first of the browser's preferred languages the portal has,
 * otherwise English.
 */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language named in itself, so that a visitor finds theirs whatever is on screen. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  ar: 'العربية',
};

/** Languages written right to left: the document gets `dir="rtl"` and the layout mirrors. */
const RIGHT_TO_LEFT: ReadonlySet<Language> = new Set(['ar']);

export function direction(language: Language): 'ltr' | 'rtl' {
  return RIGHT_TO_LEFT.has(language) ? 'rtl' : 'ltr';
}

export const LANGUAGE_STORAGE_KEY = 'portal.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The primary subtag of a BCP 47 tag, lower-cased: `de-AT` -> `de`. */
export function baseLanguage(tag: string): string {
  return tag.split('-')[0]?.toLowerCase() ?? '';
}

/** The first of `preferred` (browser order) the portal has, by primary subtag; else English. */
export function negotiate(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = baseLanguage(tag);
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/** The language stored by the switch, if any (storage may be unavailable). */
export function storedLanguage(): Language | undefined {
  try {
    const value = localStorage.getItem(LANGUAGE_STORAGE_KEY);
    return isLanguage(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function browserLanguages(): readonly string[] {
  return typeof navigator === 'undefined' ? [] : navigator.languages;
}

/** The language this visitor gets on load. */
export function chosenLanguage(): Language {
  return storedLanguage() ?? negotiate(browserLanguages());
}

/**
 * The locale for dates and numbers in `language`: the browser's own tag when it is a variant of
 * that language (de-AT keeps Austrian formats). English is also what visitors get whose language
 * the portal lacks: their dates and numbers still follow the browser (nl-NL), as before there were
 * translations. Otherwise the language itself.
 */
export function formattingLocale(language: Language, preferred: readonly string[] = browserLanguages()): string {
  const variant = preferred.find((tag) => baseLanguage(tag) === language);
  if (variant) return variant;
  const first = preferred[0];
  if (language === 'en' && first && !isLanguage(baseLanguage(first))) return first;
  return language;
}
