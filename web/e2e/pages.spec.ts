import { expect, test } from '@playwright/test';
import { expectAccessible, expectScheme, screenshots, signIn } from './support/portal';

// Every page: no axe violations, and screenshots at desktop width and 360 px, in the light and the
// dark colour scheme (the portal follows the system's; contrast must hold in both).
for (const colorScheme of ['light', 'dark'] as const) {
  const suffix = colorScheme === 'light' ? '' : '-dark';
  test.describe(`every page is accessible and fits 360 px (${colorScheme})`, () => {
    test.use({ colorScheme });

    test('sign in', async ({ page }) => {
      await page.goto('/sign-in');
      await expect(page.getByRole('heading', { level: 1, name: 'Sign in to your account' })).toBeVisible();
      await expectScheme(page, colorScheme);
      await expectAccessible(page);
      await screenshots(page, `sign-in${suffix}`);

      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert')).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `sign-in-errors${suffix}`);

      await page.goto('/forgot-password');
      await expect(page.getByRole('heading', { level: 1, name: 'Reset your password' })).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `forgot-password${suffix}`);

      await page.goto('/reset-password#token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      await expect(page.getByRole('heading', { level: 1, name: 'Choose a new password' })).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `reset-password${suffix}`);
    });

    test('signed-in pages', async ({ page }) => {
      // Every page, each at two widths with axe: longer than one test's default budget.
      test.slow();
      await signIn(page);
      await expectScheme(page, colorScheme);

      await page.goto('/documents');
      await expect(page.getByRole('table', { name: 'Your documents' })).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `documents${suffix}`);

      await page.goto('/cases');
      await expect(page.getByRole('table', { name: 'Your cases' })).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `cases${suffix}`);

      await page.getByRole('table', { name: 'Your cases' }).locator('tbody th a').first().click();
      await expect(page.getByRole('region', { name: 'Details' })).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `case-detail${suffix}`);

      await page.goto('/products');
      await expect(page.getByRole('heading', { level: 1, name: 'My products' })).toBeVisible();
      await expect(page.getByRole('table', { name: 'Products your organisation owns' })).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `products${suffix}`);

      await page.goto('/profile');
      await expect(page.getByRole('heading', { level: 1, name: 'Your profile' })).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `profile${suffix}`);

      await page.goto('/appointments');
      await expect(page.getByRole('heading', { level: 1, name: 'Appointments' })).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `appointments${suffix}`);

      await page.goto('/appointments/book');
      await expect(page.getByRole('heading', { level: 1, name: 'Book an appointment' })).toBeVisible();
      await expect(page.getByRole('group').first()).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `book-appointment${suffix}`);

      await page.goto('/cases/new');
      await expect(page.getByRole('heading', { level: 1, name: 'Open a new case' })).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `new-case${suffix}`);
      await page.getByRole('button', { name: 'Submit case' }).click();
      await expect(page.getByRole('alert').first()).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `new-case-errors${suffix}`);

      await page.goto('/cases/500000000000000AAA');
      await expect(page.getByRole('heading', { level: 1, name: 'Case not found' })).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `case-not-found${suffix}`);

      await page.goto('/no/such/page');
      await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
      await expectAccessible(page);
      await screenshots(page, `not-found${suffix}`);
    });
  });
}

test.describe('every page is accessible and fits 360 px', () => {
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
