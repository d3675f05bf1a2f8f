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
