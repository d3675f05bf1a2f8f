import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { en } from './messages';

// The `src` folder (a string, not `new URL`: jsdom's URL is not the one Node expects).
const SRC = dirname(dirname(fileURLToPath(import.meta.url)));

/** Attributes whose text a customer sees or hears. */
const TEXT_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'aria-valuetext', 'title', 'placeholder', 'alt', 'label', 'hint', 'intro']);

function hasText(value: string): boolean {
  return value.trim() !== '';
}

/** Text literals in JSX (text, text attributes, strings rendered from `{…}`), as "line: text". */
function findLiterals(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const report = (node: ts.Node, text: string) => {
    found.push(`${String(file.getLineAndCharacterOfPosition(node.getStart()).line + 1)}: ${text.trim()}`);
  };
  // Strings that end up as a child of an element: `{'x'}`, `{a ? 'x' : y}`, `{a && `x${b}`}`.
  const rendered = (node: ts.Expression): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      if (hasText(node.text)) report(node, node.text);
    } else if (ts.isTemplateExpression(node)) {
      const parts = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)];
      if (parts.some(hasText)) report(node, node.getText());
    } else if (ts.isParenthesizedExpression(node)) {
      rendered(node.expression);
    } else if (ts.isConditionalExpression(node)) {
      rendered(node.whenTrue);
      rendered(node.whenFalse);
    } else if (ts.isBinaryExpression(node)) {
      rendered(node.right);
      if (node.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken) rendered(node.left);
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && hasText(node.text)) report(node, node.text);
    if (ts.isJsxExpression(node) && node.expression && !ts.isJsxAttribute(node.parent)) rendered(node.expression);
    if (ts.isJsxAttribute(node) && TEXT_ATTRIBUTES.has(node.name.getText()) && node.initializer) {
      if (ts.isStringLiteral(node.initializer)) {
        if (hasText(node.initializer.text)) report(node, node.initializer.text);
      } else if (ts.isJsxExpression(node.initializer) && node.initializer.expression) {
        rendered(node.initializer.expression);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function componentFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test' ? [] : componentFiles(path);
    return entry.name.endsWith('.tsx') && !entry.name.includes('.test.') ? [path] : [];
  });
}

describe('the message catalogue', () => {
  it('holds every piece of text the components show', () => {
    const files = componentFiles(SRC);
    expect(files.length).toBeGreaterThan(20);
    const literals = files.flatMap((path) =>
      findLiterals(path, readFileSync(path, 'utf8')).map((hit) => `${relative(SRC, path)}:${hit}`),
    );
    expect(literals).toEqual([]);
  });

  it('finds text written straight into a component', () => {
    const source = `
      export const A = ({ on, n }: { on: boolean; n: number }) => (
        <div aria-label="Close" className="ok">
          Hello
          {' '}
          <span>{on ? 'Yes' : n}</span>
          <span>{\`(\${n})\`}</span>
          <input placeholder={on ? t('x') : 'Type here'} />
          {t('fine')}
        </div>
      );`;
    expect(findLiterals('a.tsx', source)).toEqual(['3: Close', '4: Hello', '6: Yes', '7: `(${n})`', '8: Type here']);
  });

  it('has no empty messages', () => {
    expect(Object.entries(en).filter(([, message]) => !hasText(message))).toEqual([]);
  });
});
