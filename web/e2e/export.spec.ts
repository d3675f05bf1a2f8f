import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { expectAccessible, screenshots, signIn } from './support/portal';

// Ian's account (Initech): a small account, so its export is quick to read whole.
const IAN = 'ian@initech.example';
const HEADER = 'case_number,subject,status,priority,created_at,closed_at,last_updated_at';

test.describe('case export', () => {
  test('exports all cases with progress, then downloads and reads the CSV', async ({ page }) => {
    await signIn(page, IAN);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Cases' }).click();
    await expect(page.getByRole('table', { name: 'Your cases' })).toBeVisible();

    await page.getByRole('button', { name: 'Export all cases' }).click();
    const download = page.getByRole('link', { name: 'Download the CSV file' });
    await expect(download).toBeVisible();
    const ready = page.getByText(/^Your export is ready\. Cases: \d+$/);
    await expect(ready).toBeVisible();
    const announced = Number(/(\d+)$/.exec((await ready.textContent()) ?? '')?.[1]);
    expect(announced).toBeGreaterThan(0);
    await expectAccessible(page);
    await screenshots(page, 'cases-export-ready');

    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toBe('cases.csv');
    const text = readFileSync(await file.path(), 'utf8');
    const lines = text.split('\r\n').filter((line) => line !== '');
    expect(lines[0]).toBe(HEADER);
    expect(lines.length - 1).toBe(announced);
    // Every row has a case number and the portal's words for status and priority.
    for (const line of lines.slice(1)) {
      expect(line).toMatch(/^\d{8},/);
      expect(line).toMatch(/,(new|in_progress|waiting_on_customer|escalated|on_hold|closed),(low|medium|high),/);
    }
  });
});
