import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, expectScheme, signIn } from './support/portal';

// The theme switch in the footer: the system's scheme by default, light or dark when pinned, kept
// across reloads and sign-out (a property of this browser), applied before the app renders.
const themeSwitch = (page: Page) => page.getByRole('contentinfo').getByLabel('Colour theme');

test.describe('colour theme', () => {
  test.use({ colorScheme: 'light' });

  test('pinning dark in a light system, keeping it across reloads and sign-out, and back to the system', async ({ page }) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await signIn(page);
    await expectScheme(page, 'light');
    await expect(themeSwitch(page)).toHaveValue('system');

    await themeSwitch(page).selectOption({ label: 'Dark' });
    await expectScheme(page, 'dark');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expectAccessible(page);

    // The pinned theme is applied by the classic script in <head>, before (and without) the app:
    // with the app's bundles blocked, <html> still carries it after a reload.
    await page.route('**/assets/*.js', (route) => route.abort());
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expectScheme(page, 'dark');
    await page.unroute('**/assets/*.js');

    await page.reload();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expectScheme(page, 'dark');
    await expect(themeSwitch(page)).toHaveValue('dark');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to your account' })).toBeVisible();
    await expectScheme(page, 'dark');

    await themeSwitch(page).selectOption({ label: 'Same as this device' });
    await expectScheme(page, 'light');
    await expect(page.locator('html')).not.toHaveAttribute('data-theme');
    expect(violations).toEqual([]);
  });

  test('pinning light in a dark system', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto('/sign-in');
    await expectScheme(page, 'dark');
    await themeSwitch(page).selectOption({ label: 'Light' });
    await expectScheme(page, 'light');
    await page.reload();
    await expectScheme(page, 'light');
    await expect(themeSwitch(page)).toHaveValue('light');
    await expectAccessible(page);
  });
});
