import { expect, test, type Page } from '@playwright/test';
import { apiSession, expectAccessible, screenshots, signIn } from './support/portal';

// Uma's account (Umbrella Health): the other specs work on Alice's and Gina's cases, whose lists
// must not change under them.
const UMA = 'uma@umbrella.example';

/** Presses Tab until `name`'s button has focus: the page is used with the keyboard only. */
async function tabTo(page: Page, name: string) {
  const target = page.getByRole('button', { name, exact: true });
  for (let i = 0; i < 40; i += 1) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached the ${name} button`);
}

test.describe('close and reopen a case', () => {
  test('close with a reason and reopen, with the keyboard only; the list shows the status at once', async ({ page, request }) => {
    const session = await apiSession(request, UMA);
    const subject = `Scanner firmware update ${Date.now()}`;
    const created = await request.post(`/customer/${session.customer.id}/cases`, {
      headers: { 'X-CSRF-Token': session.csrf_token, 'Idempotency-Key': `e2e-${Date.now()}` },
      data: { subject, description: 'The scanner stopped after the update.', priority: 'medium' },
    });
    expect(created.status()).toBe(201);
    const item = (await created.json()) as { id: string; case_number: string };

    await signIn(page, UMA);
    await page.goto(`/cases/${item.id}`);
    await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Is your issue solved?' })).toBeVisible();

    // Escape leaves the confirmation and gives focus back to the button.
    await tabTo(page, 'Close case');
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('group', { name: 'Close this case?' });
    await expect(confirm.getByRole('heading', { name: 'Close this case?' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(confirm).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Close case' })).toBeFocused();

    await page.keyboard.press('Enter');
    await expect(confirm.getByRole('heading', { name: 'Close this case?' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(confirm.getByLabel(/Reason for closing/)).toBeFocused();
    await page.keyboard.type('The new firmware fixed it.');
    await expectAccessible(page);
    await screenshots(page, 'case-close-confirm');
    await tabTo(page, 'Yes, close case');
    await page.keyboard.press('Enter');

    const closed = page.getByRole('status').filter({ hasText: `Case ${item.case_number} is closed.` });
    await expect(closed).toBeFocused();
    await expect(page.locator('.case-detail__meta .badge')).toHaveText('Closed');
    await expect(page.getByText('If the problem is back, you can reopen this case until')).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'case-closed');

    await page.goto(`/cases?status=closed&q=${item.case_number}`);
    const row = page.getByRole('table', { name: 'Your cases' }).locator('tbody tr').first();
    await expect(row.locator('td.cases-table__number')).toHaveText(item.case_number);
    await expect(row.locator('.badge')).toHaveText('Closed');

    await page.goto(`/cases/${item.id}`);
    await tabTo(page, 'Reopen case');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Reopen this case?' })).toBeFocused();
    await tabTo(page, 'Yes, reopen case');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status').filter({ hasText: `Case ${item.case_number} is open again.` })).toBeFocused();
    await expect(page.getByRole('button', { name: 'Close case' })).toBeVisible();

    await page.goto(`/cases?status=open&q=${item.case_number}`);
    const reopened = page.getByRole('table', { name: 'Your cases' }).locator('tbody tr').first();
    await expect(reopened.locator('td.cases-table__number')).toHaveText(item.case_number);
    await expect(reopened.locator('.badge')).toHaveText('New');
  });

  test('a case closed long ago cannot be reopened: the page says so and links to a new case', async ({ page }) => {
    await signIn(page, UMA);
    // The closed case updated longest ago: a fixture case closed long before the window.
    await page.goto('/cases?status=closed&sort=updated_at');
    const first = page.getByRole('table', { name: 'Your cases' }).locator('tbody tr').first();
    await first.locator('th a').click();
    const note = page.getByText('This case can no longer be reopened. If you still need help,');
    await expect(note).toBeVisible();
    await expect(page.getByRole('button', { name: 'Reopen case' })).toHaveCount(0);
    await expectAccessible(page);
    await screenshots(page, 'case-closed-long-ago');

    // A page loaded while the case could still be reopened (its reopen time moved into the
    // future here): the server refuses, and the page says what to do instead.
    const caseUrl = page.url();
    const caseId = caseUrl.split('/').pop() ?? '';
    await page.route(`**/customer/*/cases/${caseId}`, async (route) => {
      const response = await route.fetch();
      const json = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: { ...json, reopen_until: new Date(Date.now() + 86_400_000).toISOString() } });
    });
    await page.reload();
    await page.getByRole('button', { name: 'Reopen case' }).click();
    await page.getByRole('button', { name: 'Yes, reopen case' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'This case can no longer be reopened' });
    await expect(refused).toBeVisible();
    await expect(refused).toContainText('Please open a new case and mention case');
    await expect(page.locator('.case-status__problem')).toBeFocused();
    await expect(page.getByRole('button', { name: 'Reopen case' })).toHaveCount(0);
    await expectAccessible(page);
    await screenshots(page, 'case-reopen-refused');
    await refused.getByRole('link', { name: 'Open a new case' }).click();
    await expect(page).toHaveURL(/\/cases\/new$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Open a new case' })).toBeVisible();
  });
});
