import { expect, test } from '@playwright/test';
import { expectAccessible, PASSWORD } from './support/portal';
import { mails, mailTo, resetLink } from './support/mail';

// Gina's password changes here: no other browser test signs in as Gina (Bob's is used by the
// roles and dynamic-forms specs, whatever order they run in).
const GINA = 'gina@globex.example';
const NEW_PASSWORD = 'a long new password for Gina';

test('forgot password: the mail from the sink, its link, a new password, sign-in', async ({ page }) => {
  const before = mails().filter((m) => m.to === GINA).length;
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Reset your password' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Email address').fill(GINA);
  await page.getByRole('button', { name: 'Send link' }).click();
  await expect(page.getByRole('status')).toContainText('a link is on its way');

  const mail = await mailTo(GINA, before);
  expect(mail.subject).toBe('Reset your password for the customer portal');
  const link = resetLink(mail);
  expect(link).toContain('/reset-password#token=');

  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1, name: 'Choose a new password' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('New password').fill('short');
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByText('Choose a password of at least 12 characters.')).toBeVisible();
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByRole('status')).toContainText('Your password is set');

  // The link works once.
  await page.goto('/sign-in');
  await page.goto(link);
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByRole('alert')).toContainText('expired or has been used');

  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(GINA);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Cases' })).toBeVisible();
});

test('an unknown address gets the same answer and no mail', async ({ page }) => {
  const before = mails().length;
  await page.goto('/forgot-password');
  await page.getByLabel('Email address').fill('nobody@acme.example');
  await page.getByRole('button', { name: 'Send link' }).click();
  await expect(page.getByRole('status')).toContainText('a link is on its way');
  expect(mails().filter((m) => m.to === 'nobody@acme.example')).toHaveLength(0);
  expect(mails().length).toBeGreaterThanOrEqual(before);
});
