import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The stylesheet's rules that make dark mode and right-to-left layouts possible, checked on the
// source so that a new rule cannot quietly break either.
const css = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'index.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
const rootBlock = /^:root \{[^}]*\}/m.exec(css);
const rules = rootBlock ? css.replace(rootBlock[0], '') : css;
const COLOUR = /#[0-9a-f]{3,8}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(|\b(?:white|black)\b(?![-\w])/gi;

describe('index.css', () => {
  it('declares the palette once, in :root, each colour as a light-dark() pair or a constant', () => {
    expect(rootBlock).not.toBeNull();
    expect(rootBlock?.[0]).toContain('color-scheme: light dark');
    const declarations = [...(rootBlock?.[0] ?? '').matchAll(/--color-[\w-]+:\s*([^;]+);/g)];
    expect(declarations.length).toBeGreaterThan(20);
  });

  it('uses colours only through the palette, so both themes cover every rule', () => {
    const literals = [...rules.matchAll(COLOUR)].map((m) => {
      const line = rules.slice(0, m.index).split('\n').length;
      return `${m[0]} (rule line ${line})`;
    });
    expect(literals).toEqual([]);
  });

  it('lets html[data-theme] pin either scheme', () => {
    expect(rules).toMatch(/:root\[data-theme='light'\] \{\s*color-scheme: light;\s*\}/);
    expect(rules).toMatch(/:root\[data-theme='dark'\] \{\s*color-scheme: dark;\s*\}/);
  });

  it('uses logical properties instead of left and right, so the layout mirrors for right-to-left', () => {
    const physical = [
      ...rules.matchAll(/^\s*(?:(?:margin|padding|border)-(?:left|right)[\w-]*|left|right|float|clear)\s*:[^;]*;|text-align:\s*(?:left|right)/gm),
    ].map((m) => m[0].trim());
    expect(physical).toEqual([]);
  });
});
