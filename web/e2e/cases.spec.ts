import { expect, test, type Page } from '@playwright/test';
import { ALICE, apiSession, GINA, signIn } from './support/portal';

async function searchCases(page: Page, text: string) {
  await page.goto(`/cases?q=${encodeURIComponent(text)}`);
  return page.getByRole('table', { name: 'Your cases' });
}

test.describe('cases', () => {
  test('filter, search, sort and page cases; the URL keeps the state', async ({ page }) => {
    await signIn(page);
    await page.goto('/cases');
    const table = page.getByRole('table', { name: 'Your cases' });
    await expect(table.getByRole('row')).toHaveCount(26);

    await page.getByRole('radio', { name: 'Open' }).check();
    await expect(page).toHaveURL(/status=open/);
    await expect(table.locator('tbody tr').first()).toBeVisible();
    await expect(table.getByText('Closed', { exact: true })).toHaveCount(0);

    await page.getByRole('radio', { name: 'Closed' }).check();
    await expect(page).toHaveURL(/status=closed/);
    const statuses = await table.locator('tbody .badge').allTextContents();
    expect(new Set(statuses)).toEqual(new Set(['Closed']));

    await page.getByRole('button', { name: 'Next page' }).click();
    await expect(page.getByText(/^Page 2 ·/)).toBeVisible();
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect(page.getByText(/^Page 3 ·/)).toBeVisible();
    const page3First = await table.locator('tbody tr').first().textContent();
    await page.reload();
    await expect(page.getByText(/^Page 3 ·/)).toBeVisible();
    await expect(page.getByRole('radio', { name: 'Closed' })).toBeChecked();
    expect(await table.locator('tbody tr').first().textContent()).toBe(page3First);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect(page.getByText(/^Page 2 ·/)).toBeVisible();

    await page.getByLabel('Sort by').selectOption({ label: 'Case number, low to high' });
    await expect(page).toHaveURL(/sort=case_number/);
    await expect(page.getByText(/^Page 1 ·/)).toBeVisible();
    const numbers = await table.locator('tbody td.cases-table__number').allTextContents();
    expect(numbers).toEqual([...numbers].sort());

    await page.getByLabel('Search by subject or case number').fill(numbers[0]!);
    await page.getByLabel('Search by subject or case number').press('Enter');
    await expect(table.locator('tbody td.cases-table__number').first()).toHaveText(numbers[0]!);
  });

  test('open a case and go back to the same list', async ({ page }) => {
    await signIn(page);
    await page.goto('/cases?status=open&sort=-updated_at');
    const first = page.getByRole('table', { name: 'Your cases' }).locator('tbody tr').first();
    const subject = (await first.locator('th a').textContent()) ?? '';
    const number = (await first.locator('td.cases-table__number').textContent()) ?? '';
    await first.locator('th a').click();

    await expect(page.getByRole('heading', { level: 1, name: subject })).toBeFocused();
    await expect(page).toHaveTitle(`Case ${number} · Customer Portal`);
    const details = page.getByRole('region', { name: 'Details' });
    await expect(details.getByText(number)).toBeVisible();
    for (const label of ['Status', 'Priority', 'Opened', 'Last updated', 'Closed']) {
      await expect(details.getByText(label, { exact: true })).toBeVisible();
    }
    await expect(page.getByRole('region', { name: 'Description' })).not.toBeEmpty();

    await page.getByRole('link', { name: 'Back to cases' }).click();
    await expect(page).toHaveURL(/\/cases\?status=open&sort=-updated_at$/);
  });

  test('create a case: invalid first, then valid, then find it in the list', async ({ page }) => {
    const subject = `Printer on floor 3 is offline ${Date.now()}`;
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New case' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Open a new case' })).toBeFocused();

    await page.getByRole('button', { name: 'Submit case' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
    await expect(summary).toBeFocused();
    await expect(summary).toContainText('Enter a subject.');
    await expect(summary).toContainText('Enter a description.');
    await expect(page.getByLabel('Subject')).toHaveAttribute('aria-invalid', 'true');

    await page.getByLabel('Subject').fill('Bad\u0007subject');
    await page.getByLabel('Description').fill('The printer shows error E-42 since this morning.');
    await expect(page.getByText('48 of 32,000 characters')).toBeVisible();
    await page.getByRole('button', { name: 'Submit case' }).click();
    await expect(page.getByText('The subject cannot contain line breaks, tabs or other control characters.').first()).toBeVisible();

    await page.getByLabel('Subject').fill(subject);
    await page.getByLabel('High – work has stopped').check();
    await page.getByRole('button', { name: 'Submit case' }).click();

    const success = page.getByRole('status').filter({ hasText: 'has been created' });
    await expect(success).toBeVisible();
    await expect(success).toBeFocused();
    const caseNumber = /Your case (\S+) has been created/.exec((await success.textContent()) ?? '')?.[1];
    expect(caseNumber).toBeTruthy();
    await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Details' }).getByText('High')).toBeVisible();

    await page.getByRole('link', { name: 'Back to cases' }).click();
    const table = page.getByRole('table', { name: 'Your cases' });
    await expect(table.getByRole('link', { name: subject })).toBeVisible();
    await expect(table.locator('tr', { hasText: subject }).locator('td.cases-table__number')).toHaveText(caseNumber!);
  });

  test('a double submit creates one case, and a replay of the same key returns it', async ({ page }) => {
    const subject = `Double submit check ${Date.now()}`;
    await signIn(page);
    await page.goto('/cases/new');
    await page.getByLabel('Subject').fill(subject);
    await page.getByLabel('Description').fill('Clicked twice on purpose.');

    const posts: { key: string | null; body: string | null }[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && /\/cases$/.test(new URL(request.url()).pathname)) {
        posts.push({ key: request.headers()['idempotency-key'] ?? null, body: request.postData() });
      }
    });
    await page.getByRole('button', { name: 'Submit case' }).dblclick();
    await expect(page.getByRole('status').filter({ hasText: 'has been created' })).toBeVisible();
    const createdUrl = page.url();
    expect(new Set(posts.map((p) => p.key)).size).toBe(1);

    // Replaying the same attempt (as a network retry would) must not make a second case.
    const replay = await page.evaluate(
      async ({ key, body }) => {
        const session = (await (await fetch('/auth/session')).json()) as { customer: { id: string }; csrf_token: string };
        const response = await fetch(`/customer/${session.customer.id}/cases`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token, 'Idempotency-Key': key ?? '' },
          body,
        });
        return { status: response.status, id: ((await response.json()) as { id: string }).id };
      },
      { key: posts[0]!.key, body: posts[0]!.body },
    );
    expect(replay.status).toBe(201);
    expect(createdUrl).toContain(replay.id);

    const table = await searchCases(page, subject);
    await expect(table.getByRole('link', { name: subject })).toHaveCount(1);
  });

  test('one customer cannot open another customer’s case by URL', async ({ page, playwright, baseURL }) => {
    const alice = await playwright.request.newContext({ baseURL });
    const session = await apiSession(alice, ALICE);
    const list = await alice.get(`/customer/${session.customer.id}/cases?limit=1`);
    const acmeCase = ((await list.json()) as { items: { id: string; subject: string }[] }).items[0]!;
    await alice.dispose();

    await signIn(page, GINA);
    await expect(page.getByText('Globex Industries')).toBeVisible();
    await page.goto(`/cases/${acmeCase.id}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Case not found' })).toBeVisible();
    await expect(page.getByText(acmeCase.subject)).toHaveCount(0);

    const status = await page.evaluate(async (id) => (await fetch(`/customer/${id}/cases`)).status, session.customer.id);
    expect(status).toBe(403);
  });
});
