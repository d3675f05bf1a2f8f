import { expect, test } from '@playwright/test';
import { expectAccessible, screenshots, signIn } from './support/portal';

// Ian's account (Initech): no other spec uses it, so its recommendations are as the fixtures
// make them. Initech owns a Gateway 100, Cloud Monitoring Pro, the Analytics Add-on and a
// Vibration Sensor Pack.
const IAN = 'ian@initech.example';

test.describe('my products and recommendations', () => {
  test('lists what the account owns and what is recommended, with reasons; interest, hide and show again', async ({ page }) => {
    await signIn(page, IAN);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My products' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'My products' })).toBeFocused();
    await expect(page).toHaveTitle('My products · Customer Portal');

    const owned = page.getByRole('table', { name: 'Products your organisation owns' });
    await expect(owned.locator('tbody tr')).toHaveCount(4);
    const gateway = owned.getByRole('row', { name: /Gateway 100 - HQ/ });
    await expect(gateway).toContainText('GW1-00901');
    await expect(gateway).toContainText('Installed');

    // Three products of families Initech already uses, by name, each saying why.
    await expect(page.locator('.recommendation .recommendation__name')).toHaveText([
      'Cloud Monitoring Basic',
      'Gateway 200',
      'Temperature Sensor Pack',
    ]);
    const gateway200 = page.getByRole('listitem', { name: 'Gateway 200' });
    await expect(gateway200).toContainText('You already use other Hardware products.');
    await expectAccessible(page);
    await screenshots(page, 'products');

    await gateway200.getByRole('button', { name: 'I’m interested in Gateway 200' }).click();
    const thanks = page.getByRole('status').filter({ hasText: 'Your account team will contact you about Gateway 200.' });
    await expect(thanks).toBeFocused();
    await expect(gateway200).toContainText('You asked us to contact you');
    await expect(gateway200.getByRole('button', { name: /I’m interested/ })).toHaveCount(0);

    const sensors = page.getByRole('listitem', { name: 'Temperature Sensor Pack' });
    await sensors.getByRole('button', { name: 'Not for me: Temperature Sensor Pack' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'We will not suggest Temperature Sensor Pack again.' })).toBeFocused();
    await expect(sensors).toHaveCount(0);
    const hidden = page.getByRole('region', { name: 'Suggestions you hid' });
    await expect(hidden).toContainText('Temperature Sensor Pack');
    await expectAccessible(page);
    await screenshots(page, 'products-hidden');

    // Still so after a reload: the interest and the dismissal are the server's.
    await page.reload();
    await expect(page.getByRole('listitem', { name: 'Gateway 200' })).toContainText('You asked us to contact you');
    await expect(page.getByRole('listitem', { name: 'Temperature Sensor Pack' })).toHaveCount(0);

    await page
      .getByRole('region', { name: 'Suggestions you hid' })
      .getByRole('button', { name: 'Show again: Temperature Sensor Pack' })
      .click();
    await expect(page.getByRole('status').filter({ hasText: 'Temperature Sensor Pack is back in your recommendations.' })).toBeFocused();
    await expect(page.getByRole('listitem', { name: 'Temperature Sensor Pack' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Suggestions you hid' })).toHaveCount(0);
  });
});
