import { expect, test } from '@playwright/test';
import { expectAccessible, screenshots, signIn } from './support/portal';

// Uma's account (Umbrella Health): no other spec books appointments, so her lists start empty.
const UMA = 'uma@umbrella.example';

test.describe('appointments', () => {
  test('books a free time, downloads it for a calendar, moves it and cancels it', async ({ page }) => {
    await signIn(page, UMA);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Appointments' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Appointments' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Upcoming' })).toContainText('You have no upcoming appointments.');
    await expectAccessible(page);
    await screenshots(page, 'appointments-empty');

    await page.getByRole('link', { name: 'Book an appointment' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Book an appointment' })).toBeVisible();
    await expect(page.getByText('Times are shown in your time zone (Europe/Berlin).')).toBeVisible();
    await page.getByLabel('Topic').selectOption({ label: 'Technical consultation' });
    // Any seven days from now hold working days; the last time of the week is days away, so
    // past the one-day cut-off for moving and cancelling.
    const times = page.getByRole('region', { name: 'Free times' }).getByRole('radio');
    await expect(times.first()).toBeVisible();
    const count = await times.count();
    expect(count).toBeGreaterThan(2);
    const chosen = times.nth(count - 1);
    const chosenTime = await chosen.getAttribute('value');
    await chosen.check();
    await page.getByLabel('What would you like to talk about?').fill('Our gateways reboot at night.');
    await expectAccessible(page);
    await screenshots(page, 'appointments-book');
    await page.getByRole('button', { name: 'Book this time' }).click();

    await expect(page.getByRole('status').filter({ hasText: 'Your appointment is booked.' })).toBeVisible();
    const upcoming = page.getByRole('region', { name: 'Upcoming' });
    const booking = upcoming.getByRole('listitem', { name: 'Technical consultation' });
    await expect(booking).toContainText('Our gateways reboot at night.');
    await expect(booking.locator('time')).toHaveAttribute('datetime', chosenTime ?? '');
    await expectAccessible(page);
    await screenshots(page, 'appointments-list');

    // The .ics file: a calendar with this booking.
    const ics = booking.getByRole('link', { name: /Add to calendar/ });
    const href = await ics.getAttribute('href');
    const file = await page.request.get(href ?? '');
    expect(file.headers()['content-type']).toBe('text/calendar; charset=utf-8');
    const text = await file.text();
    expect(text).toContain('BEGIN:VCALENDAR\r\n');
    expect(text).toContain('SUMMARY:Technical consultation\r\n');
    expect(text).toContain('STATUS:CONFIRMED\r\n');

    // Move it to another free time of the week.
    await booking.getByRole('link', { name: 'Move Technical consultation' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Move your appointment' })).toBeVisible();
    const newTimes = page.getByRole('region', { name: 'Free times' }).getByRole('radio');
    await expect(newTimes.first()).toBeVisible();
    const other = newTimes.nth((await newTimes.count()) - 1);
    const movedTo = await other.getAttribute('value');
    expect(movedTo).not.toBe(chosenTime);
    await other.check();
    await page.getByRole('button', { name: 'Move to this time' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Your appointment has been moved.' })).toBeVisible();
    const moved = page.getByRole('region', { name: 'Upcoming' }).getByRole('listitem', { name: 'Technical consultation' });
    await expect(moved.locator('time')).toHaveAttribute('datetime', movedTo ?? '');

    await moved.getByRole('button', { name: 'Cancel appointment Technical consultation' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Your appointment is cancelled.' })).toBeVisible();
    await expect(moved).toContainText('(cancelled)');
    await expect(moved.getByRole('button', { name: /Cancel appointment/ })).toHaveCount(0);
    await expectAccessible(page);
  });
});
