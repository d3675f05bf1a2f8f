import AxeBuilder from '@axe-core/playwright';
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PASSWORD = 'portal-demo';
export const ALICE = 'alice@acme.example';
export const GINA = 'gina@globex.example';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..', '..');
const screenshotDir = resolve(here, '..', '..', 'test-results', 'screenshots');

export async function signIn(page: Page, email = ALICE, returnTo?: string): Promise<void> {
  await page.goto(returnTo ? `/sign-in?returnTo=${encodeURIComponent(returnTo)}` : '/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}

/** axe-core with the WCAG 2.x A/AA rules and best practices: there must be nothing to report. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary, 'axe violations').toEqual([]);
}

/**
 * The page is drawn in the given colour scheme: the body's background is light (relative
 * luminance above 0.5) or dark (below 0.05), as the stylesheet's light-dark() palette chooses.
 */
export async function expectScheme(page: Page, scheme: 'light' | 'dark'): Promise<void> {
  const luminance = await page.evaluate(() => {
    const channels = getComputedStyle(document.body).backgroundColor.match(/[\d.]+/g)?.slice(0, 3).map(Number) ?? [];
    const [r = 0, g = 0, b = 0] = channels.map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  });
  if (scheme === 'light') expect(luminance, 'background luminance').toBeGreaterThan(0.5);
  else expect(luminance, 'background luminance').toBeLessThan(0.05);
}

/** Full-page screenshots at desktop width and at 360 px, saved as test artifacts. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  const original = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: join(screenshotDir, `${name}-desktop.png`), fullPage: true, animations: 'disabled' });
  await page.setViewportSize({ width: 360, height: 740 });
  // Nothing may stick out sideways at 360 px: the page itself must not scroll horizontally.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} overflows horizontally at 360 px`).toBeLessThanOrEqual(0);
  await expectAccessible(page);
  await page.screenshot({ path: join(screenshotDir, `${name}-360.png`), fullPage: true, animations: 'disabled' });
  await page.setViewportSize(original);
}

interface ContentVersion {
  ContentDocumentId: string;
  IsLatest: boolean;
  VersionDataFile?: string;
}

/** The bytes the mock store serves for a document: its latest ContentVersion's fixture file. */
export function fixtureBytes(documentId: string): Buffer {
  const dir = join(repoRoot, 'backend', 'mocks', 'salesforce');
  const versions = JSON.parse(readFileSync(join(dir, 'ContentVersion.json'), 'utf8')) as ContentVersion[];
  const version = versions.find((v) => v.ContentDocumentId === documentId && v.IsLatest);
  if (!version?.VersionDataFile) throw new Error(`no fixture file for document ${documentId}`);
  return readFileSync(join(dir, version.VersionDataFile));
}

/** Signs in through the API (not the UI), for set-up steps. */
export async function apiSession(request: APIRequestContext, email: string) {
  const response = await request.post('/auth/login', { data: { email, password: PASSWORD } });
  expect(response.status()).toBe(200);
  return (await response.json()) as { customer: { id: string }; csrf_token: string };
}
