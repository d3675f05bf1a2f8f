import { expect, test } from '@playwright/test';
import { expectAccessible, screenshots, signIn } from './support/portal';

// Every page: no axe violations, and screenshots at desktop width and 360 px.
test.describe('every page is accessible and fits 360 px', () => {
  test('sign in', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to your account' })).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'sign-in');

    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'sign-in-errors');
  });

  test('signed-in pages', async ({ page }) => {
    await signIn(page);

    await page.goto('/documents');
    await expect(page.getByRole('table', { name: 'Your documents' })).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'documents');

    await page.goto('/cases');
    await expect(page.getByRole('table', { name: 'Your cases' })).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'cases');

    await page.getByRole('table', { name: 'Your cases' }).locator('tbody th a').first().click();
    await expect(page.getByRole('region', { name: 'Details' })).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'case-detail');

    await page.goto('/cases/new');
    await expect(page.getByRole('heading', { level: 1, name: 'Open a new case' })).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'new-case');
    await page.getByRole('button', { name: 'Submit case' }).click();
    await expect(page.getByRole('alert').first()).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'new-case-errors');

    await page.goto('/cases/500000000000000AAA');
    await expect(page.getByRole('heading', { level: 1, name: 'Case not found' })).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'case-not-found');

    await page.goto('/no/such/page');
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'not-found');
  });

  test('pages served from the cache while Salesforce is down say so', async ({ page }) => {
    await signIn(page);
    // The real server's answers, marked as the API marks stale-if-error reads.
    await page.route(/\/customer\/[^/]+\/(cases|documents)(\/[^/?]+)?(\?.*)?$/, async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'x-data-stale': 'true', age: '120' } });
    });
    const notice = (system: string) =>
      page
        .getByRole('status')
        .filter({ hasText: `Our ${system} system is not reachable right now. You are seeing information from 2 minutes ago; it may be out of date.` });

    await page.goto('/cases');
    await expect(page.getByRole('table', { name: 'Your cases' })).toBeVisible();
    await expect(notice('case')).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'cases-stale');

    await page.getByRole('table', { name: 'Your cases' }).locator('tbody th a').first().click();
    await expect(page.getByRole('region', { name: 'Details' })).toBeVisible();
    await expect(notice('case')).toBeVisible();
    // The notice is polite: after the navigation, focus is on the heading as usual.
    await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
    await expectAccessible(page);
    await screenshots(page, 'case-detail-stale');

    await page.goto('/documents');
    await expect(page.getByRole('table', { name: 'Your documents' })).toBeVisible();
    await expect(notice('document')).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'documents-stale');
  });

  test('the app respects the content security policy', async ({ page }) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto('/sign-in');
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await signIn(page);
    await page.goto('/cases');
    await expect(page.getByRole('table', { name: 'Your cases' })).toBeVisible();
    expect(violations).toEqual([]);
  });
});
