import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { applyTheme, setTheme, storedTheme, THEME_STORAGE_KEY } from './theme';
import { ThemeSwitch } from './ThemeSwitch';

const root = document.documentElement;

afterEach(() => {
  localStorage.clear();
  delete root.dataset.theme;
});

/** Runs public/theme-init.js as the browser does before the first paint. */
function runInitScript() {
  const source = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../public/theme-init.js'), 'utf8');
  runInNewContext(source, { document, localStorage });
}

describe('theme choice', () => {
  it('follows the system until one is stored, and ignores values it does not know', () => {
    expect(storedTheme()).toBe('system');
    localStorage.setItem(THEME_STORAGE_KEY, 'sepia');
    expect(storedTheme()).toBe('system');
    localStorage.setItem(THEME_STORAGE_KEY, 'dark');
    expect(storedTheme()).toBe('dark');
  });

  it('pins light or dark on <html> and removes the pin for the system setting', () => {
    applyTheme('dark');
    expect(root.dataset.theme).toBe('dark');
    applyTheme('light');
    expect(root.dataset.theme).toBe('light');
    applyTheme('system');
    expect(root.dataset.theme).toBeUndefined();
  });

  it('remembers a pinned choice and forgets it for the system setting', () => {
    setTheme('light');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('light');
    setTheme('system');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBeNull();
    expect(root.dataset.theme).toBeUndefined();
  });

  it('is applied before the first paint by public/theme-init.js with the same key and attribute', () => {
    runInitScript();
    expect(root.dataset.theme).toBeUndefined();
    setTheme('dark');
    delete root.dataset.theme;
    runInitScript();
    expect(root.dataset.theme).toBe('dark');
    delete root.dataset.theme;
    localStorage.setItem(THEME_STORAGE_KEY, 'sepia');
    runInitScript();
    expect(root.dataset.theme).toBeUndefined();
  });

  it('offers the three choices in a labelled select that applies and keeps the choice', () => {
    setTheme('dark');
    render(<ThemeSwitch />);
    const select = screen.getByLabelText('Colour theme');
    expect(select).toHaveValue('dark');
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['Same as this device', 'Light', 'Dark']);
    fireEvent.change(select, { target: { value: 'light' } });
    expect(root.dataset.theme).toBe('light');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('light');
  });
});
