import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fixtureBytes, signIn } from './support/portal';

test.describe('documents', () => {
  test('browse, search, sort, page and download a document', async ({ page }) => {
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).click();
    const table = page.getByRole('table', { name: 'Your documents' });
    await expect(table.getByRole('row')).toHaveCount(26);
    await expect(page.getByText('Page 1 · 25 documents')).toBeVisible();

    await page.getByRole('button', { name: 'Next page' }).click();
    await expect(page.getByText(/^Page 2 ·/)).toBeVisible();
    await expect(page).toHaveURL(/cursor=/);
    await page.reload();
    await expect(page.getByText(/^Page 2 ·/)).toBeVisible();
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect(page.getByText('Page 1 · 25 documents')).toBeVisible();

    await page.getByLabel('Sort by').selectOption({ label: 'Title A–Z' });
    await expect(page).toHaveURL(/sort=title/);
    const titles = await table.locator('tbody th .cell-primary').allTextContents();
    expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));

    await page.getByLabel('Search documents by title').fill('invoice');
    await page.getByLabel('Search documents by title').press('Enter');
    await expect(page).toHaveURL(/q=invoice/);
    await expect(table.locator('tbody tr').first()).toBeVisible();
    for (const title of await table.locator('tbody th .cell-primary').allTextContents()) {
      expect(title.toLowerCase()).toContain('invoice');
    }

    const link = table.locator('tbody tr').first().getByRole('link', { name: /^Download / });
    const href = await link.getAttribute('href');
    const documentId = /\/documents\/([^/]+)\/download$/.exec(href ?? '')?.[1];
    expect(documentId).toBeTruthy();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const path = await download.path();
    expect(readFileSync(path).equals(fixtureBytes(documentId!))).toBe(true);

    await page.getByLabel('Search documents by title').fill('no document is called this');
    await page.getByLabel('Search documents by title').press('Enter');
    await expect(page.getByText('No documents match “no document is called this”.')).toBeVisible();
  });
});
