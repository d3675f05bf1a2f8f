import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectAccessible, screenshots, signIn } from './support/portal';

// Bob (Acme): no other spec opens cases as him.
const BOB = 'bob@acme.example';

/** The form values the mock store wrote with the case (its journal in the portal's data directory). */
function writtenFormValues(subject: string): Record<string, unknown> {
  const journal = readFileSync(join(process.env.E2E_PORTAL_DATA_DIR ?? '', 'cases.jsonl'), 'utf8');
  const entry = journal
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { case?: { Subject?: string; Portal_Form_Values?: Record<string, unknown> } })
    .find((e) => e.case?.Subject === subject);
  if (!entry?.case) throw new Error(`no case "${subject}" in the journal`);
  return entry.case.Portal_Form_Values ?? {};
}

test.describe('dynamic case forms', () => {
  test('a hardware fault: the form from its schema, errors in the summary and beside each field, then the case with its fields', async ({
    page,
  }) => {
    const subject = `Gateway blinks red ${Date.now()}`;
    await signIn(page, BOB);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New case' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Open a new case' })).toBeFocused();
    // The plain form is the default.
    const picker = page.getByLabel('What is your request about?');
    await expect(picker).toHaveValue('');
    await expect(page.getByRole('group', { name: /Details:/ })).toHaveCount(0);

    await picker.selectOption({ label: 'Hardware fault' });
    const details = page.getByRole('group', { name: 'Details: Hardware fault' });
    await expect(details.getByLabel('Serial number')).toBeVisible();
    await expect(details.getByLabel('When did it start?')).toBeVisible();
    await expect(details.getByLabel(/People affected/)).toBeVisible();
    await expect(details.getByLabel(/What happens\?/)).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'dynamic-form');

    await page.getByLabel('Subject').fill(subject);
    await page.getByLabel('Description').fill('The status light blinks red since the update.');
    await details.getByLabel('Serial number').fill('gw 1');
    await details.getByLabel(/People affected/).fill('0');
    await page.getByRole('button', { name: 'Submit case' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
    await expect(summary).toBeFocused();
    await expect(summary).toContainText('Serial number – This is not in the expected format.');
    await expect(summary).toContainText('When did it start? – This is required.');
    await expect(summary).toContainText('People affected – Enter 1 or more.');
    const serial = details.getByLabel('Serial number');
    await expect(serial).toHaveAttribute('aria-invalid', 'true');
    await expect(serial).toHaveAccessibleDescription(/Printed on the label.*not in the expected format/);
    await expectAccessible(page);
    await screenshots(page, 'dynamic-form-errors');

    // The summary's link goes to the field.
    await summary.getByRole('link', { name: /When did it start/ }).click();
    await expect(details.getByLabel('When did it start?')).toBeFocused();

    await serial.fill('GW100-4411');
    await details.getByLabel('When did it start?').fill('2026-12-01');
    await details.getByLabel(/People affected/).fill('12');
    await page.getByRole('button', { name: 'Submit case' }).click();
    const success = page.getByRole('status').filter({ hasText: 'has been created' });
    await expect(success).toBeFocused();
    await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();
    expect(writtenFormValues(subject)).toEqual({
      Serial_Number__c: 'GW100-4411',
      Incident_Date__c: '2026-12-01',
      Affected_Users__c: 12,
      Type: 'Problem',
    });
  });

  test('an access request: the phone number is asked for only when a call back is wanted', async ({ page }) => {
    const subject = `VPN access for a new colleague ${Date.now()}`;
    await signIn(page, BOB, '/cases/new');
    await page.getByLabel('What is your request about?').selectOption({ label: 'Access request' });
    const details = page.getByRole('group', { name: 'Details: Access request' });
    await details.getByLabel('Which system?').selectOption({ label: 'VPN' });
    await expect(details.getByLabel('Phone number for the call')).toHaveCount(0);
    await details.getByLabel('Call me back').check();
    const phone = details.getByLabel('Phone number for the call');
    await expect(phone).toBeVisible();

    await page.getByLabel('Subject').fill(subject);
    await page.getByLabel('Description').fill('Please give Dana access to the VPN.');
    await page.getByRole('button', { name: 'Submit case' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'There is a problem' })).toContainText('Phone number for the call – This is required.');
    await expectAccessible(page);

    // Unticked again: the field goes, and its value is neither checked nor sent.
    await phone.fill('call me');
    await details.getByLabel('Call me back').uncheck();
    await expect(details.getByLabel('Phone number for the call')).toHaveCount(0);
    await page.getByRole('button', { name: 'Submit case' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'has been created' })).toBeFocused();
    expect(writtenFormValues(subject)).toEqual({ System_Name__c: 'vpn', Callback_Requested__c: false, Type: 'Feature Request' });
  });
});
