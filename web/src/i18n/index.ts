import { en, type Catalogue, type MessageKey, type PluralBase } from './messages';
import { chosenLanguage, direction, formattingLocale, type Language, LANGUAGE_STORAGE_KEY } from './languages';

/**
 * The active catalogue. English is built in; the others are separate chunks (`src/translations/`),
 * loaded once before the app first renders (`initLanguage` in main.tsx). Changing language reloads
 * the page (`chooseLanguage`): every text, title and format is then drawn in the new language, and
 * what the customer was typing is kept by the drafts in session and local storage.
 */
let catalogue: Catalogue = en;
let active: Language = 'en';

const translations: Readonly<Record<Exclude<Language, 'en'>, () => Promise<Catalogue>>> = {
  de: () => import('../translations/de').then((m) => m.de),
  fr: () => import('../translations/fr').then((m) => m.fr),
  es: () => import('../translations/es').then((m) => m.es),
  ar: () => import('../translations/ar').then((m) => m.ar),
};

/** Makes `language` the active one and marks the document with it and its writing direction. */
export async function loadLanguage(language: Language): Promise<void> {
  catalogue = language === 'en' ? en : await translations[language]();
  active = language;
  if (typeof document !== 'undefined') {
    document.documentElement.lang = language;
    document.documentElement.dir = direction(language);
  }
}

/** Loads the visitor's language; English if its catalogue cannot be fetched. */
export async function initLanguage(): Promise<void> {
  try {
    await loadLanguage(chosenLanguage());
  } catch {
    await loadLanguage('en');
  }
}

export function language(): Language {
  return active;
}

/** Remembers a language choice for this browser and redraws the page in it. */
export function chooseLanguage(next: Language): void {
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, next);
  } catch {
    // Storage unavailable: the language holds for this page only.
    void loadLanguage(next);
    return;
  }
  window.location.reload();
}

type Vars = Readonly<Record<string, string | number>>;

function interpolate(template: string, vars: Vars | undefined): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => {
    const value = vars[name];
    if (value === undefined) return match;
    return typeof value === 'number' ? formatNumber(value) : value;
  });
}

/** The locale for numbers and dates: the active language, in the browser's regional variant. */
export function locale(): string {
  return formattingLocale(active);
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(locale()).format(value);
}

export function t(key: MessageKey, vars?: Vars): string {
  return interpolate(catalogue[key], vars);
}

/** A message whose wording depends on `count`, in the active language's plural categories. */
export function tp(base: PluralBase, count: number, vars?: Vars): string {
  const category = new Intl.PluralRules(active).select(count);
  const forms: Readonly<Record<string, string | undefined>> = catalogue;
  const template = forms[`${base}.${category}`] ?? catalogue[`${base}.other`];
  return interpolate(template, { count, ...vars });
}

/** A document title: "Cases · Customer Portal". */
export function pageTitle(page: string): string {
  return t('title.suffix', { page });
}

export type { MessageKey };
