import { expect, test } from '@playwright/test';
import { signIn } from './support/portal';

// Dates are shown in the customer's own locale and time zone, as the browser reports them: here
// Dutch in Tokyo, so neither the format nor the clock can match the server's (English, UTC). The
// portal has no Dutch text, so the page is in English with Dutch dates (a language it has, such
// as German, turns the whole page into it: languages.spec.ts).
const LOCALE = 'nl-NL';
const TIME_ZONE = 'Asia/Tokyo';

test.use({ locale: LOCALE, timezoneId: TIME_ZONE });

test('dates follow the browser’s language and time zone', async ({ page }) => {
  await signIn(page);
  await page.goto('/documents');
  const first = page.getByRole('table', { name: 'Your documents' }).locator('tbody time').first();
  const iso = await first.getAttribute('datetime');
  expect(iso).toBeTruthy();
  // What the browser itself formats for that locale and zone, and for English in UTC.
  const [expected, english] = await page.evaluate(
    ({ value, locale, timeZone }) => {
      const date = new Date(value);
      const options = { dateStyle: 'medium', timeStyle: 'short' } as const;
      return [
        new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(date),
        new Intl.DateTimeFormat('en', { ...options, timeZone: 'UTC' }).format(date),
      ];
    },
    { value: iso ?? '', locale: LOCALE, timeZone: TIME_ZONE },
  );
  expect(expected).not.toEqual(english);
  await expect(first.locator('.datetime__absolute')).toHaveText(expected);
});
