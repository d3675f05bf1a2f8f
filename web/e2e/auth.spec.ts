import { expect, test, type Locator } from '@playwright/test';
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

    // Each step is a real key press; the focused element must be the expected one, visibly.
    async function press(key: 'Tab' | 'Shift+Tab', target: Locator) {
      await page.keyboard.press(key);
      await expect(target).toBeFocused();
      expect(await target.evaluate((element) => element.matches(':focus-visible')), 'focus is visible').toBe(true);
    }

    const skip = page.getByRole('link', { name: 'Skip to main content' });
    const brand = page.getByRole('banner').getByRole('link', { name: 'Customer Portal' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    const documents = nav.getByRole('link', { name: 'Documents' });
    const products = nav.getByRole('link', { name: 'My products' });
    const appointments = nav.getByRole('link', { name: 'Appointments' });
    const cases = nav.getByRole('link', { name: 'Cases' });
    const profile = nav.getByRole('link', { name: 'Profile' });
    const newCase = nav.getByRole('link', { name: 'New case' });
    const signOut = page.getByRole('button', { name: 'Sign out' });

    // The skip link comes first and jumps to the content.
    await press('Tab', skip);
    await page.keyboard.press('Enter');
    await expect(page.locator('#main')).toBeFocused();

    // From the top of a fresh page, Tab walks the header in order: the navigation, then Sign out.
    await page.goto('/cases');
    await expect(page.getByRole('heading', { level: 1, name: 'Cases' })).toBeVisible();
    await press('Tab', skip);
    await press('Tab', brand);
    await press('Tab', documents);
    await press('Tab', products);
    await press('Tab', appointments);
    await press('Tab', cases);
    await expect(cases).toHaveAttribute('aria-current', 'page');
    await press('Tab', profile);
    await press('Tab', newCase);
    await press('Tab', signOut);

    // Back to Documents and open it with Enter.
    await press('Shift+Tab', newCase);
    await press('Shift+Tab', profile);
    await press('Shift+Tab', cases);
    await press('Shift+Tab', appointments);
    await press('Shift+Tab', products);
    await press('Shift+Tab', documents);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/documents$/);
    // Focus moves to the new page's heading, so screen readers announce it.
    await expect(page.getByRole('heading', { level: 1, name: 'Documents' })).toBeFocused();
    await expect(page).toHaveTitle('Documents · Customer Portal');
    await expect(documents).toHaveAttribute('aria-current', 'page');

    // From the heading, one step back reaches Sign out; Enter signs out.
    await press('Shift+Tab', signOut);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/sign-in\?reason=signed-out$/);
    await expect(page.getByText('You have signed out.')).toBeVisible();
    await expect(nav).toHaveCount(0);
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
