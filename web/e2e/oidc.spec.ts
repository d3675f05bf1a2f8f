import { expect, test, type Page } from '@playwright/test';
import { emulatorURL, STRANGER } from './support/idp';
import { ALICE, PASSWORD, expectAccessible, screenshots } from './support/portal';

// Single sign-on through OpenID Connect, with the Salesforce emulator as the identity provider
// (started by playwright.config.ts). Every refusal comes back to /sign-in?sso_error=<reason>.

const SSO_BUTTON = 'Sign in with Salesforce';
const idp = emulatorURL();

function ssoButton(page: Page) {
  return page.getByRole('link', { name: SSO_BUTTON });
}

/** At the emulator's login page (the provider's own form), sign in as `email`. */
async function signInAtProvider(page: Page, email: string): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`^${idp}/services/oauth2/authorize\\?`));
  await page.locator('#username').fill(email);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('#Login').click();
}

/** From the sign-in page: the single sign-on button, then the provider's form. */
async function signInWithSalesforce(page: Page, email: string): Promise<void> {
  await ssoButton(page).click();
  await signInAtProvider(page, email);
}

/**
 * The refusal's message, in an alert that took focus. Once the provider has answered for this
 * browser's own sign-in, the page the customer asked for comes back as `returnTo`.
 */
async function expectRefusal(page: Page, code: string, message: string | RegExp): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`/sign-in\\?sso_error=${code}(&returnTo=[^&]+)?$`));
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('We could not sign you in');
  await expect(alert).toContainText(message);
  await expect(alert).toBeFocused();
  // Both ways in remain, to try again.
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(ssoButton(page)).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in\?reason=signed-out$/);
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
}

test.describe('sign in with Salesforce', () => {
  test('the sign-in page offers it next to the password form, accessibly', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to your account' })).toBeVisible();
    await expect(ssoButton(page)).toHaveAttribute('href', '/auth/oidc/login?return_to=%2Fcases');
    await expect(page.getByText('or', { exact: true })).toBeVisible();
    await expect(page.getByLabel('Email address')).toBeVisible();
    await expect(page.getByLabel('Password')).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'sign-in-sso');

    await page.goto('/sign-in?sso_error=unknown_contact');
    await expect(page.getByRole('alert')).toBeFocused();
    await expectAccessible(page);
    await screenshots(page, 'sign-in-sso-error');
  });

  test('signs in end to end and comes back to the page asked for', async ({ page }) => {
    await page.goto('/cases?status=open');
    await expect(page).toHaveURL(/\/sign-in\?returnTo=%2Fcases%3Fstatus%3Dopen$/);
    await expect(ssoButton(page)).toHaveAttribute('href', '/auth/oidc/login?return_to=%2Fcases%3Fstatus%3Dopen');

    await signInWithSalesforce(page, ALICE);

    await expect(page).toHaveURL(/\/cases\?status=open$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Cases' })).toBeVisible();
    await expect(page.getByRole('radio', { name: 'Open' })).toBeChecked();
    await expect(page.getByRole('table', { name: 'Your cases' })).toBeVisible();
    await expect(page.getByText('Acme Corporation')).toBeVisible();
    await expect(page.getByText('Signed in as Alice')).toBeVisible();
    // The same session as a password sign-in: the API answers for the customer.
    const session = await page.evaluate(async () => (await fetch('/auth/session')).json() as Promise<{ user: { email: string } }>);
    expect(session.user.email).toBe(ALICE);

    await signOut(page);
    await page.goto('/cases');
    await expect(page).toHaveURL(/\/sign-in\?returnTo=%2Fcases$/);
  });

  test('a cancelled sign-in or an error at the provider', async ({ page }) => {
    await page.goto('/auth/oidc/callback?error=access_denied&error_description=end-user+denied+authorization');
    await expectRefusal(page, 'provider_error', 'Single sign-on was cancelled or could not be completed.');
  });

  test('a callback this browser did not start', async ({ page }) => {
    await page.goto('/auth/oidc/callback?code=aPrxMadeUpCode&state=made-up-state');
    await expectRefusal(page, 'bad_state', 'This sign-in attempt has expired or was already used');
  });

  test('a replayed callback', async ({ page }) => {
    const callbacks: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/auth/oidc/callback') callbacks.push(request.url());
    });
    await page.goto('/sign-in');
    await signInWithSalesforce(page, ALICE);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    expect(callbacks).toHaveLength(1);
    const [callback = ''] = callbacks;
    expect(new URL(callback).searchParams.get('code')).toBeTruthy();

    await signOut(page);
    await page.goto(callback);
    await expectRefusal(page, 'bad_state', 'This sign-in attempt has expired or was already used');
    // And it opened no session.
    await page.goto('/documents');
    await expect(page).toHaveURL(/\/sign-in\?returnTo=%2Fdocuments$/);
  });

  test('a code the provider refuses', async ({ page }) => {
    // Swap the code the provider issued for one it never issued, keeping this browser's state.
    await page.route(`${idp}/services/oauth2/authorize`, async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      const location = new URL(response.headers()['location'] ?? '');
      location.searchParams.set('code', 'aPrxNeverIssuedByTheProvider');
      await route.fulfill({ response, headers: { ...response.headers(), location: location.href } });
    });
    await page.goto('/sign-in');
    await signInWithSalesforce(page, ALICE);
    await expectRefusal(page, 'code_rejected', 'The sign-in service could not confirm your sign-in');
  });

  // Each way an id_token can fail verification, as the provider (the emulator) is told to
  // issue it: the same refusal, and with the fault cleared the same sign-in works.
  const badTokens: { name: string; fault: Record<string, unknown> }[] = [
    { name: 'for another application (audience)', fault: { id_token_claims: { aud: 'other' } } },
    { name: 'from another issuer', fault: { id_token_claims: { iss: 'https://elsewhere.example' } } },
    { name: 'expired', fault: { id_token_claims: { exp: 946684800, iat: 946684000 } } },
    { name: 'with another nonce', fault: { id_token_claims: { nonce: 'not-this-browsers' } } },
    { name: 'signed by a key the provider does not publish', fault: { id_token_signature: 'unknown_key' } },
    { name: 'not signed at all (alg none)', fault: { id_token_signature: 'none' } },
  ];
  for (const { name, fault } of badTokens) {
    test(`an identity token ${name} is refused`, async ({ page, request }) => {
      const faults = `${idp}/__emulator/faults`;
      expect((await request.post(faults, { data: fault })).ok()).toBe(true);
      try {
        await page.goto('/sign-in');
        await signInWithSalesforce(page, ALICE);
        await expectRefusal(page, 'invalid_token', 'We could not verify your identity with the sign-in service');
        const status = await page.evaluate(async () => (await fetch('/auth/session')).status);
        expect(status).toBe(401);
      } finally {
        expect((await request.delete(faults)).ok()).toBe(true);
      }
      await signInWithSalesforce(page, ALICE);
      await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    });
  }

  test('a user whose email matches no customer contact', async ({ page }) => {
    await page.goto('/sign-in?returnTo=%2Fdocuments');
    await signInWithSalesforce(page, STRANGER);
    await expectRefusal(page, 'unknown_contact', 'your email address is not linked to a customer account');
    await expect(page).toHaveURL(/&returnTo=%2Fdocuments$/);
    const status = await page.evaluate(async () => (await fetch('/auth/session')).status);
    expect(status).toBe(401);
  });
});
