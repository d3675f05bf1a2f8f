import { expect, test } from '@playwright/test';
import { ALICE, expectAccessible, PASSWORD, screenshots, signIn } from './support/portal';

// Alice's profile: every change is put back at the end, as later specs sign her in in English.
test('the profile: details, phone, time zone, notifications, language', async ({ page }) => {
  await signIn(page, ALICE, '/profile');
  await expect(page.getByRole('heading', { level: 1, name: 'Your profile' })).toBeVisible();
  await expect(page.getByText('Alice Anderson', { exact: true })).toBeVisible();
  await expect(page.getByText(ALICE, { exact: true })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'profile');

  // A wrong phone number: the server names the field; nothing is saved.
  await page.getByLabel('Phone').fill('call me maybe');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Enter a phone number of 4 to 40 characters')).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel('Phone').fill('+49 30 1234567');
  await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
  await page.getByLabel('When an agent replies to one of my cases').uncheck();
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your profile is saved.' })).toBeVisible();

  await page.reload();
  await expect(page.getByLabel('Phone')).toHaveValue('+49 30 1234567');
  await expect(page.getByLabel('Time zone')).toHaveValue('Asia/Tokyo');
  await expect(page.getByLabel('When an agent replies to one of my cases')).not.toBeChecked();
  await expect(page.getByLabel('When the status of one of my cases changes')).toBeChecked();

  // The language is saved in the profile: the page turns German, and so does a new sign-in
  // in another browser.
  await page.getByLabel('Language', { exact: true }).first().selectOption('de');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Ihr Profil' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');

  const other = await page.context().browser()?.newContext();
  if (!other) throw new Error('no browser');
  const elsewhere = await other.newPage();
  await elsewhere.goto('/sign-in');
  await elsewhere.getByLabel('Email').fill(ALICE);
  await elsewhere.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await elsewhere.getByRole('button', { name: 'Sign in' }).click();
  await expect(elsewhere.getByRole('heading', { level: 1, name: 'Anfragen' })).toBeVisible();
  // The footer switch writes the profile when signed in: back to English everywhere.
  await elsewhere.getByRole('contentinfo').getByLabel('Sprache').selectOption({ label: 'English' });
  await expect(elsewhere.getByRole('heading', { level: 1, name: 'Cases' })).toBeVisible();
  await other.close();

  // This browser keeps its own choice until its next sign-in; the profile says English.
  await page.evaluate(() => {
    localStorage.removeItem('portal.language');
  });
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Your profile' })).toBeVisible();
  await expect(page.getByLabel('Language', { exact: true }).first()).toHaveValue('en');

  // Put the rest back.
  await page.getByLabel('Phone').fill('+1 415 555 6406');
  await page.getByLabel('Time zone').selectOption('');
  await page.getByLabel('When an agent replies to one of my cases').check();
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your profile is saved.' })).toBeVisible();
});

test('changing the password needs the current one', async ({ page }) => {
  await signIn(page, ALICE, '/profile');
  const section = page.getByRole('region', { name: 'Change password' });
  await section.getByLabel('Current password').fill('not my password');
  await section.getByLabel('New password').fill('a brand new password');
  await section.getByRole('button', { name: 'Change password' }).click();
  await expect(section.getByText('That is not your current password.')).toBeVisible();
  await expectAccessible(page);
});
