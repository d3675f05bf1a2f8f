import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, screenshots, signIn } from './support/portal';

/**
 * Opens the `index`-th open case of the list (newest first) and returns its subject; with
 * `awaitingYou`, among those awaiting the customer (demo cases an agent has answered, never one
 * another spec just opened).
 */
async function openCase(page: Page, index: number, awaitingYou = false): Promise<string> {
  await page.goto('/cases?status=open');
  const rows = page.getByRole('table', { name: 'Your cases' }).locator('tbody tr');
  const link = (awaitingYou ? rows.filter({ hasText: 'Awaiting your reply' }) : rows).nth(index).locator('th a');
  const subject = (await link.textContent()) ?? '';
  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Conversation' }).locator('.conversation__count')).toBeVisible();
  return subject;
}

test.describe('case conversation', () => {
  test('the thread tells agents and the customer apart, and a reply shows at once', async ({ page }) => {
    await signIn(page);
    await openCase(page, 0, true);
    const conversation = page.getByRole('region', { name: 'Conversation' });
    const before = await conversation.getByRole('article').count();
    expect(before).toBeGreaterThan(0);
    await expect(conversation.getByRole('article', { name: /\(support team\) wrote$/ }).first()).toBeVisible();
    // Internal notes never reach the page.
    await expect(conversation.getByText(/^Internal:/)).toHaveCount(0);
    await expect(conversation.getByText(/\[portal:/)).toHaveCount(0);

    await page.getByLabel('Your reply').fill('It happened again at 9:30.\nSerial 4471-B.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect(page.getByText('Your reply was sent.')).toBeVisible();
    const mine = conversation.getByRole('article', { name: 'Alice Anderson (your team) wrote' }).last();
    await expect(mine).toContainText('It happened again at 9:30.');
    await expect(conversation.getByRole('article')).toHaveCount(before + 1);
    await expect(page.getByLabel('Your reply')).toHaveValue('');
    // The reply hands the case back to the support team (picklists.replied_status).
    await expect(page.getByText('In progress', { exact: true }).first()).toBeVisible();
    await expect(page.getByText('Waiting on you', { exact: true })).toHaveCount(0);
    // The exact time is on the page beside the relative one.
    await expect(mine.locator('time')).toHaveAttribute('datetime', /Z$/);
    await expectAccessible(page);
    await screenshots(page, 'conversation');
  });

  test('a draft survives a reload, and an error never loses it', async ({ page }) => {
    await signIn(page);
    await openCase(page, 1);
    const box = page.getByLabel('Your reply');
    await box.fill('Half written, then the page reloads');
    await page.reload();
    await expect(page.getByLabel('Your reply')).toHaveValue('Half written, then the page reloads');
    await expect(page.getByText('We kept the reply you had not sent yet.')).toBeVisible();

    // The first send fails at the server; the text stays, and the retry sends the same key.
    const keys: string[] = [];
    let failed = false;
    await page.route('**/comments', async (route) => {
      const request = route.request();
      if (request.method() !== 'POST') return route.continue();
      keys.push(request.headers()['idempotency-key'] ?? '');
      if (!failed) {
        failed = true;
        return route.fulfill({
          status: 503,
          contentType: 'application/problem+json',
          headers: { 'Retry-After': '5' },
          body: JSON.stringify({ type: '/problems/unavailable', title: 'Service unavailable', status: 503, detail: 'Busy' }),
        });
      }
      return route.continue();
    });
    await page.getByRole('button', { name: 'Send reply' }).click();
    const problem = page.getByText('Your reply was not sent. Your text is kept: try again in a moment.');
    await expect(problem).toBeVisible();
    await expect(page.getByLabel('Your reply')).toHaveValue('Half written, then the page reloads');
    await expectAccessible(page);
    await screenshots(page, 'conversation-error');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect(page.getByText('Your reply was sent.')).toBeVisible();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    await page.reload();
    await expect(page.getByLabel('Your reply')).toHaveValue('');
  });

  test('replying works with the keyboard only', async ({ page }) => {
    await signIn(page);
    await openCase(page, 2);
    const box = page.getByLabel('Your reply');
    let reached = false;
    for (let i = 0; i < 80 && !reached; i += 1) {
      await page.keyboard.press('Tab');
      reached = await box.evaluate((el) => el === document.activeElement);
    }
    expect(reached, 'the reply box is reachable with Tab').toBe(true);
    await page.keyboard.type('Sent with the keyboard only.');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Send reply' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByText('Your reply was sent.')).toBeVisible();
    await expect(page.getByRole('region', { name: 'Conversation' }).getByText('Sent with the keyboard only.')).toBeVisible();
  });

  test('the case list says which cases await the customer', async ({ page }) => {
    await signIn(page);
    await page.goto('/cases?status=open');
    const table = page.getByRole('table', { name: 'Your cases' });
    await expect(table.locator('tbody tr').first()).toBeVisible();
    const waiting = table.locator('tbody tr', { has: page.getByText('Waiting on you', { exact: true }) });
    const tags = table.getByText('Awaiting your reply', { exact: true });
    expect(await tags.count()).toBe(await waiting.count());
    await expectAccessible(page);
    await screenshots(page, 'cases-awaiting');
  });
});
