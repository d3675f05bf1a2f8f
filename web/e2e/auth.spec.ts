import { expect, test } from '@playwright/test';
import { ALICE, PASSWORD, signIn } from './support/portal';

test.describe('sign in and out', () => {
  test('sign-in returns to the page the customer asked for', async ({ page }) => {
    await page.goto('/cases?status=closed');
    await expect(page).toHaveURL(/\/sign-in\?returnTo=%2Fcases%3Fstatus%3Dclosed/);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to your account' })).toBeVisible();

    await page.getByLabel('Email address').fill(ALICE);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('The email address or password is not correct.')).toBeVisible();
    await expect(page.getByLabel('Password')).toHaveValue('');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/cases\?status=closed$/);
    await expect(page.getByRole('radio', { name: 'Closed' })).toBeChecked();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Cases' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByText('Acme Corporation')).toBeVisible();
  });

  test('navigation works by keyboard', async ({ page }) => {
    await signIn(page);
    await page.goto('/cases');
    await expect(page.getByRole('heading', { level: 1, name: 'Cases' })).toBeVisible();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    await expect(skip).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.locator('#main')).toBeFocused();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).focus();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/documents$/);
    // Focus moves to the new page's heading, so screen readers announce it.
    await expect(page.getByRole('heading', { level: 1, name: 'Documents' })).toBeFocused();
    await expect(page).toHaveTitle('Documents · Customer Portal');
  });

  test('signing out closes the pages', async ({ page }) => {
    await signIn(page);
    await page.goto('/documents');
    await expect(page.getByRole('table', { name: 'Your documents' })).toBeVisible();
    const customerId = await page.evaluate(async () => {
      const response = await fetch('/auth/session');
      return ((await response.json()) as { customer: { id: string } }).customer.id;
    });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/sign-in\?reason=signed-out$/);
    await expect(page.getByText('You have signed out.')).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);

    for (const path of ['/documents', '/cases', '/cases/new']) {
      await page.goto(path);
      await expect(page).toHaveURL(new RegExp(`/sign-in\\?returnTo=${encodeURIComponent(path)}`));
    }
    // The API agrees: the session cookie no longer opens anything.
    const status = await page.evaluate(async (id) => (await fetch(`/customer/${id}/cases`)).status, customerId);
    expect(status).toBe(401);
    // Back does not show the customer's data again.
    await page.goBack();
    await expect(page.getByRole('table')).toHaveCount(0);
  });
});
