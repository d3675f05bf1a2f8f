import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { expectAccessible, expectScheme, screenshots, signIn } from './support/portal';

// Roles (issue 14, decision 031) in the browser: Alice manages Acme, Bob is a member of it.
const BOB = 'bob@acme.example';
const BOB_CONTACT = '003Dn000BJKn1AmIYJ';
const ALICE_CONTACT = '003Dn000O6V0xBhIIJ';

const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'backend', 'mocks', 'salesforce');
type Row = Record<string, unknown>;
const read = (name: string) => JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8')) as Row[];
const shared = new Set(read('CaseTeamMember').filter((m) => m.MemberId === BOB_CONTACT).map((m) => m.ParentId as string));
const cases = read('Case');
const sharedCase = cases.find((c) => shared.has(c.Id as string))!;
const alicesPrivate = cases
  .filter((c) => c.ContactId === ALICE_CONTACT && !shared.has(c.Id as string))
  .at(-1)!;

for (const colorScheme of ['light', 'dark'] as const) {
  const suffix = colorScheme === 'light' ? '' : '-dark';
  test.describe(`roles (${colorScheme})`, () => {
    test.use({ colorScheme });

    test('a manager switches between the company’s cases and their own', async ({ page }) => {
      await signIn(page);
      await expectScheme(page, colorScheme);
      await page.goto('/cases');
      const table = page.getByRole('table', { name: 'Your cases' });
      await expect(table.getByRole('row')).toHaveCount(26);
      const scope = page.getByRole('group', { name: 'Whose cases' });
      await expect(scope.getByRole('radio', { name: 'My company’s cases' })).toBeChecked();
      await expectAccessible(page);
      await screenshots(page, `cases-manager${suffix}`);

      await scope.getByRole('radio', { name: 'My cases' }).check();
      await expect(page).toHaveURL(/scope=mine/);
      await expect(table.locator('tbody tr').first()).toBeVisible();
      // Only cases Alice opened: none of the demo cases Bob or anyone else opened. (Cases other
      // browser tests created as Alice are hers too, so the check is against the others' cases.)
      const others = new Set(cases.filter((c) => c.ContactId !== ALICE_CONTACT).map((c) => `/cases/${c.Id as string}`));
      await expect(table.locator('tbody th a').first()).toBeVisible();
      const links = await table.locator('tbody th a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
      expect(links.length).toBeGreaterThan(0);
      expect(links.filter((href) => others.has(href.split('?')[0]!))).toEqual([]);
      await page.reload();
      await expect(page.getByRole('radio', { name: 'My cases' })).toBeChecked();
      await expectAccessible(page);
      await screenshots(page, `cases-manager-mine${suffix}`);

      // The manager opens a case of her own that no one shares with Bob.
      await page.goto(`/cases/${alicesPrivate.Id as string}`);
      await expect(page.getByRole('region', { name: 'Details' })).toBeVisible();
    });

    test('a member sees their own and shared cases, and no switch', async ({ page }) => {
      await signIn(page, BOB);
      await page.goto('/cases');
      const table = page.getByRole('table', { name: 'Your cases' });
      await expect(table.locator('tbody tr').first()).toBeVisible();
      await expect(page.getByRole('group', { name: 'Whose cases' })).toHaveCount(0);
      await expectAccessible(page);
      await screenshots(page, `cases-member${suffix}`);

      await page.goto(`/cases/${sharedCase.Id as string}`);
      await expect(page.getByRole('region', { name: 'Details' })).toBeVisible();
      await expect(page.getByRole('heading', { level: 1, name: sharedCase.Subject as string })).toBeVisible();

      // A case of the company Bob neither opened nor shares: as if it did not exist.
      await page.goto(`/cases/${alicesPrivate.Id as string}`);
      await expect(page.getByRole('heading', { name: 'Case not found' })).toBeVisible();
      await expectAccessible(page);
    });
  });
}
