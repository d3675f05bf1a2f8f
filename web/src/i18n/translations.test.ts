import { afterEach, describe, expect, it } from 'vitest';
import { ar } from '../translations/ar';
import { de } from '../translations/de';
import { es } from '../translations/es';
import { fr } from '../translations/fr';
import { language, loadLanguage, t, tp } from '.';
import { formattingLocale, LANGUAGES, negotiate, type Language } from './languages';
import { en, type Catalogue } from './messages';

const translations: Record<Exclude<Language, 'en'>, Catalogue> = { de, fr, es, ar };
const englishKeys = Object.keys(en).sort();
const pluralBases = englishKeys.filter((key) => key.endsWith('.one')).map((key) => key.slice(0, -'.one'.length));
const placeholders = (message: string) => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

afterEach(async () => {
  await loadLanguage('en');
});

describe.each(Object.entries(translations))('the %s catalogue', (code, catalogue) => {
  const messages: Record<string, string> = catalogue;
  const categories = new Intl.PluralRules(code).resolvedOptions().pluralCategories;

  it('has every English message, and beyond them only plural forms the language uses', () => {
    const extra = Object.keys(messages).filter((key) => !(key in en));
    expect(englishKeys.filter((key) => !(key in messages))).toEqual([]);
    const allowed = pluralBases.flatMap((base) => categories.map((category) => `${base}.${category}`));
    expect(extra.filter((key) => !allowed.includes(key))).toEqual([]);
  });

  it('has every plural form Intl.PluralRules gives the language', () => {
    const missing = pluralBases.flatMap((base) =>
      categories.map((category) => `${base}.${category}`).filter((key) => !(key in messages)),
    );
    expect(missing).toEqual([]);
  });

  it('keeps each message’s placeholders, and no message is empty or left in English', () => {
    const mismatched = Object.entries(messages).filter(([key, message]) => {
      const englishMessages: Readonly<Record<string, string | undefined>> = en;
      const base = key.replace(/\.\w+$/, '');
      const english = englishMessages[key] ?? englishMessages[`${base}.other`] ?? '';
      // A plural form may spell its number out ("رسالتان", two messages) instead of `{count}`.
      const ignored = pluralBases.includes(base) ? ['count'] : [];
      const strip = (names: (string | undefined)[]) => names.filter((name) => !ignored.includes(name ?? '')).join();
      return strip(placeholders(message)) !== strip(placeholders(english));
    });
    expect(mismatched).toEqual([]);
    expect(Object.entries(messages).filter(([, message]) => message.trim() === '')).toEqual([]);
    // Words, not symbols or names, must differ from English (some are the same word in both,
    // like "Status" or "PDF"; most are not).
    const untranslated = englishKeys.filter((key) => messages[key] === en[key as keyof typeof en]);
    expect(untranslated.length / englishKeys.length).toBeLessThan(0.08);
  });
});

describe('languages', () => {
  it('offers exactly the catalogues that exist', () => {
    expect([...LANGUAGES].sort()).toEqual(['ar', 'de', 'en', 'es', 'fr']);
  });

  it('picks the first of the browser’s languages the portal has, by primary subtag', () => {
    expect(negotiate(['nl-BE', 'fr-CA', 'de'])).toBe('fr');
    expect(negotiate(['DE-at'])).toBe('de');
    expect(negotiate(['ja', 'zh-Hant'])).toBe('en');
    expect(negotiate([])).toBe('en');
  });

  it('formats in the browser’s regional variant of the active language, else the language itself', () => {
    expect(formattingLocale('de', ['en-GB', 'de-AT'])).toBe('de-AT');
    expect(formattingLocale('fr', ['en-GB'])).toBe('fr');
    // English for a language the portal lacks: formats still the browser's.
    expect(formattingLocale('en', ['nl-NL', 'en-US'])).toBe('en-US');
    expect(formattingLocale('en', ['nl-NL'])).toBe('nl-NL');
    // English chosen over the browser's French: English formats.
    expect(formattingLocale('en', ['fr-FR'])).toBe('en');
  });

  it('switches every message, the plural rules and <html lang> with the active language', async () => {
    await loadLanguage('fr');
    expect(language()).toBe('fr');
    expect(document.documentElement.lang).toBe('fr');
    expect(t('nav.cases')).toBe('Demandes');
    expect(tp('conversation.count', 1)).toBe('1 message');
    expect(tp('conversation.count', 3)).toBe('3 messages');
    expect(tp('conversation.count', 1_000_000)).toMatch(/^1\s000\s000 de messages$/);
    await loadLanguage('de');
    expect(tp('cases.summary', 2, { page: 1 })).toBe('Seite 1 · 2 Anfragen');
    expect(document.documentElement.dir).toBe('ltr');
    await loadLanguage('ar');
    expect(document.documentElement.dir).toBe('rtl');
    expect(tp('conversation.count', 2)).toBe('رسالتان');
    expect(tp('conversation.count', 0)).toBe('لا رسائل');
    await loadLanguage('en');
    expect(document.documentElement.lang).toBe('en');
    expect(document.documentElement.dir).toBe('ltr');
    expect(tp('conversation.count', 1_000_000)).toBe('1,000,000 messages');
  });
});
