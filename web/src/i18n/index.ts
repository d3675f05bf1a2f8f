import { en, type Catalogue, type MessageKey } from './messages';

/** The active catalogue. Only English exists today; a translation is a `Catalogue` with the same keys. */
const catalogue: Catalogue = en;

type Vars = Readonly<Record<string, string | number>>;

function interpolate(template: string, vars: Vars | undefined): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => {
    const value = vars[name];
    if (value === undefined) return match;
    return typeof value === 'number' ? formatNumber(value) : value;
  });
}

/** The customer's preferred locale, used for numbers and dates. */
export function locale(): string {
  if (typeof navigator !== 'undefined' && navigator.languages.length > 0) {
    return navigator.languages[0] ?? 'en';
  }
  return 'en';
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(locale()).format(value);
}

export function t(key: MessageKey, vars?: Vars): string {
  return interpolate(catalogue[key], vars);
}

type PluralBase = {
  [K in MessageKey]: K extends `${infer Base}.one` ? (`${Base}.other` extends MessageKey ? Base : never) : never;
}[MessageKey];

/** A message whose wording depends on `count` (English: one / other). */
export function tp(base: PluralBase, count: number, vars?: Vars): string {
  const category = new Intl.PluralRules('en').select(count);
  const key = (category === 'one' ? `${base}.one` : `${base}.other`) as MessageKey;
  return interpolate(catalogue[key], { count, ...vars });
}

/** A document title: "Cases · Customer Portal". */
export function pageTitle(page: string): string {
  return t('title.suffix', { page });
}

export type { MessageKey };
