import { expect, test } from '@playwright/test';
import { expectAccessible, PASSWORD, screenshots } from './support/portal';

// The portal in each of its languages: chosen in the footer (before or after sign-in), kept in
// this browser, every page's text, title, dates and numbers in it, and accessible at desktop width
// and 360 px (longer words must not break the layout).
const LANGUAGES = [
  {
    code: 'de',
    name: 'Deutsch',
    signIn: 'Bei Ihrem Konto anmelden',
    email: 'E-Mail-Adresse',
    password: 'Passwort',
    submit: 'Anmelden',
    cases: 'Anfragen',
    table: 'Ihre Anfragen',
    title: 'Anfragen · Kundenportal',
    newCase: 'Neue Anfrage eröffnen',
    submitCase: 'Anfrage senden',
    subjectRequired: 'Geben Sie einen Betreff ein.',
    details: 'Details',
    date: /\(\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}\)/,
  },
  {
    code: 'fr',
    name: 'Français',
    signIn: 'Connectez-vous à votre compte',
    email: 'Adresse e-mail',
    password: 'Mot de passe',
    submit: 'Se connecter',
    cases: 'Demandes',
    table: 'Vos demandes',
    title: 'Demandes · Portail client',
    newCase: 'Ouvrir une nouvelle demande',
    submitCase: 'Envoyer la demande',
    subjectRequired: 'Saisissez un objet.',
    details: 'Détails',
    date: /\d{1,2} (janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)/,
  },
  {
    code: 'es',
    name: 'Español',
    signIn: 'Inicie sesión en su cuenta',
    email: 'Correo electrónico',
    password: 'Contraseña',
    submit: 'Iniciar sesión',
    cases: 'Casos',
    table: 'Sus casos',
    title: 'Casos · Portal de clientes',
    newCase: 'Abrir un caso nuevo',
    submitCase: 'Enviar caso',
    subjectRequired: 'Introduzca un asunto.',
    details: 'Detalles',
    date: /\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept|oct|nov|dic)/,
  },
] as const;

for (const language of LANGUAGES) {
  test(`the portal in ${language.name}`, async ({ page }) => {
    await page.goto('/sign-in');
    await page.getByRole('contentinfo').getByLabel('Language').selectOption({ label: language.name });
    await expect(page.getByRole('heading', { level: 1, name: language.signIn })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', language.code);
    await expectAccessible(page);
    await screenshots(page, `sign-in-${language.code}`);

    await page.getByLabel(language.email).fill('alice@acme.example');
    await page.getByLabel(language.password, { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: language.submit }).click();

    const table = page.getByRole('table', { name: language.table });
    await expect(table).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: language.cases })).toBeVisible();
    await expect(page).toHaveTitle(language.title);
    await expectAccessible(page);
    await screenshots(page, `cases-${language.code}`);

    await table.locator('tbody th a').first().click();
    const details = page.getByRole('region', { name: language.details });
    await expect(details).toBeVisible();
    // Dates in the language's own format: "(30.10.2026, 19:14)", "30 oct. 2026", "30 oct 2026".
    await expect(details).toContainText(language.date);
    await expectAccessible(page);
    await screenshots(page, `case-detail-${language.code}`);

    await page.goto('/cases/new');
    await expect(page.getByRole('heading', { level: 1, name: language.newCase })).toBeVisible();
    await page.getByRole('button', { name: language.submitCase }).click();
    await expect(page.getByRole('alert').first()).toContainText(language.subjectRequired);
    await expectAccessible(page);
    await screenshots(page, `new-case-errors-${language.code}`);

    // Kept in this browser: a new page load is in the same language.
    await page.goto('/documents');
    await expect(page.locator('html')).toHaveAttribute('lang', language.code);
    await page.getByRole('contentinfo').getByRole('combobox').first().selectOption({ label: 'English' });
    await expect(page.getByRole('heading', { level: 1, name: 'Documents' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });
}

test('a browser that prefers a language the portal has gets it without choosing', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'de-AT' });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1, name: 'Bei Ihrem Konto anmelden' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByRole('contentinfo').getByLabel('Sprache')).toHaveValue('de');
  await context.close();
});

test('Arabic is laid out right to left, mirrored and accessible', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByRole('contentinfo').getByLabel('Language').selectOption({ label: 'العربية' });
  await expect(page.getByRole('heading', { level: 1, name: 'سجّل الدخول إلى حسابك' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.locator('html')).toHaveAttribute('lang', 'ar');
  await expectAccessible(page);
  await screenshots(page, 'sign-in-ar');

  await page.getByLabel('البريد الإلكتروني').fill('alice@acme.example');
  await page.getByLabel('كلمة المرور', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'تسجيل الدخول' }).click();
  const table = page.getByRole('table', { name: 'طلباتك' });
  await expect(table).toBeVisible();
  await expect(page).toHaveTitle('الطلبات · بوابة العملاء');

  // Mirrored: the brand starts at the right edge, the navigation follows to its left, and table
  // cells read from the right.
  const brand = await page.getByRole('link', { name: 'بوابة العملاء' }).boundingBox();
  const nav = await page.getByRole('navigation', { name: 'الرئيسية' }).boundingBox();
  expect(brand && nav && brand.x > nav.x).toBe(true);
  const firstHeader = await table.locator('thead th').first().boundingBox();
  const lastHeader = await table.locator('thead th').last().boundingBox();
  expect(firstHeader && lastHeader && firstHeader.x > lastHeader.x).toBe(true);
  await expectAccessible(page);
  await screenshots(page, 'cases-ar');

  // A demo case with a conversation (other specs add newer cases without one).
  await page.goto('/cases?q=00003207');
  await table.locator('tbody th a').first().click();
  await expect(page.getByRole('region', { name: 'التفاصيل' })).toBeVisible();
  await expect(page.locator('.message__body').first()).toBeVisible();
  // What customers and agents wrote keeps its own direction: English stays left to right.
  const direction = (selector: string) => page.locator(selector).first().evaluate((el) => getComputedStyle(el).direction);
  expect(await direction('.case-detail__description')).toBe('ltr');
  expect(await direction('.message__body')).toBe('ltr');
  expect(await direction('.page-header h1')).toBe('ltr');
  expect(await direction('.case-detail h2, main h2')).toBe('rtl');
  await expectAccessible(page);
  await screenshots(page, 'case-detail-ar');
});
