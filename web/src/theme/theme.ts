/**
 * The colour theme: the system's setting by default, or one the customer pinned with the switch in
 * the footer. The choice is a property of this browser, not of the account, so it lives in
 * localStorage and survives signing out. `public/theme-init.js` applies the stored choice before the
 * first paint (a module script runs too late to avoid a flash); it reads the same key and sets the
 * same attribute, which `theme.test.ts` checks.
 *
 * The stylesheet does the rest: every colour is a `light-dark()` pair chosen by the used
 * `color-scheme`, which is `light dark` (the system's) unless `html[data-theme]` pins one.
 */
export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];

export const THEME_STORAGE_KEY = 'portal.theme';

function isChoice(value: unknown): value is ThemeChoice {
  return typeof value === 'string' && (THEME_CHOICES as readonly string[]).includes(value);
}

/** The stored choice; `system` when none is stored, storage is unavailable, or the value is unknown. */
export function storedTheme(): ThemeChoice {
  try {
    const value = localStorage.getItem(THEME_STORAGE_KEY);
    return isChoice(value) ? value : 'system';
  } catch {
    return 'system';
  }
}

/** Applies a choice to the document: `system` removes the pin. */
export function applyTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement): void {
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
}

/** Applies and remembers a choice. Storage failures (private mode, quota) keep it for this page. */
export function setTheme(choice: ThemeChoice): void {
  applyTheme(choice);
  try {
    if (choice === 'system') localStorage.removeItem(THEME_STORAGE_KEY);
    else localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Nothing to do: the theme still applies until the page is reloaded.
  }
}
