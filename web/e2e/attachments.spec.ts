import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expectAccessible, screenshots, signIn } from './support/portal';

/** A PDF of `size` bytes (a real signature, then filler): what the server checks is the bytes. */
function pdf(size: number, fill = 'x'): Buffer {
  const head = Buffer.from('%PDF-1.7\n');
  return Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length), fill)]);
}

/** Opens the `index`-th open case (each test its own, so the lists do not mix). */
async function openCase(page: Page, index: number) {
  await page.goto('/cases?status=open');
  const link = page.getByRole('table', { name: 'Your cases' }).locator('tbody tr').nth(index).locator('th a');
  await link.click();
  const section = page.getByRole('region', { name: 'Attachments' });
  await expect(section).toBeVisible();
  return section;
}

test.describe('case attachments', () => {
  test('upload with progress, see it listed, download it byte for byte', async ({ page }) => {
    await signIn(page);
    const section = await openCase(page, 0);
    await expect(section.getByText('No files are attached to this case yet.')).toBeVisible();

    // A slow uplink (about 2 MB/s), so the progress of a 6 MB file can be seen.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 2 * 1024 * 1024,
    });
    const bytes = pdf(6 * 1024 * 1024);
    await section.getByLabel('Attach a file').setInputFiles({ name: 'Network trace.pdf', mimeType: 'application/pdf', buffer: bytes });
    await section.getByRole('button', { name: 'Upload file' }).click();
    const progress = section.getByRole('progressbar', { name: 'Upload progress' });
    await expect(progress).toBeVisible();
    await expect(section.getByRole('button', { name: 'Uploading…' })).toBeDisabled();
    await expect(section.getByText('Network trace.pdf was attached to the case.')).toBeVisible({ timeout: 30_000 });
    await expect(progress).toBeHidden();
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

    const link = section.getByRole('link', { name: /^Download Network trace\.pdf/ });
    await expect(link).toBeVisible();
    await expect(section.getByText(/added by your team/)).toBeVisible();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('Network trace.pdf');
    expect(readFileSync(await download.path()).equals(bytes)).toBe(true);

    await expectAccessible(page);
    await screenshots(page, 'case-attachments');
  });

  test('a refused file is explained, before sending or by the server', async ({ page }) => {
    await signIn(page);
    const section = await openCase(page, 1);
    const input = section.getByLabel('Attach a file');
    let uploads = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/attachments')) uploads += 1;
    });

    // Too large: the browser says so and sends nothing.
    await input.setInputFiles({ name: 'huge.pdf', mimeType: 'application/pdf', buffer: pdf(25 * 1024 * 1024 + 1) });
    await expect(section.getByRole('alert')).toHaveText('This file is larger than 25 MB. Choose a smaller one.');
    await expect(input).toHaveAttribute('aria-invalid', 'true');
    await section.getByRole('button', { name: 'Upload file' }).click();
    expect(uploads).toBe(0);

    // Named like a PDF but an executable's bytes: only the server can tell, and it refuses.
    const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(512)]);
    await input.setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: exe });
    await section.getByRole('button', { name: 'Upload file' }).click();
    await expect(section.getByRole('alert')).toHaveText(
      'The file’s content is not of a type the portal takes, so it was not attached.',
    );
    expect(uploads).toBe(1);
    await expect(section.getByText('No files are attached to this case yet.')).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'case-attachments-refused');
  });

  test('uploading works with the keyboard alone', async ({ page }) => {
    await signIn(page);
    const section = await openCase(page, 2);
    const input = section.getByLabel('Attach a file');
    await input.focus();
    await expect(input).toBeFocused();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    await chooser.setFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Steps to reproduce:\n1. Open the app\n') });
    await page.keyboard.press('Tab');
    await expect(section.getByRole('button', { name: 'Upload file' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(section.getByText('notes.txt was attached to the case.')).toBeVisible();
    // The download link is reachable by Tab from the top of the panel.
    const link = section.getByRole('link', { name: /^Download notes\.txt/ });
    await link.focus();
    await expect(link).toBeFocused();
  });
});
