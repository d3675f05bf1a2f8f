/**
 * The identity provider of the end-to-end tests: the Salesforce emulator, started by
 * playwright.config.ts next to the portal. Shared by the config and the specs (no test imports
 * here, so that the config can load it).
 */

/** Registered at the emulator as the portal's OpenID Connect client. */
export const OIDC_CLIENT_ID = 'portal-web';
export const OIDC_CLIENT_SECRET = 'portal-e2e-oidc-secret';

/** Can sign in at the emulator (password `portal-demo`), but no Contact has this email. */
export const STRANGER = 'stranger@unlisted.example';

/** The emulator's base URL (also the OpenID Connect issuer). */
export function emulatorURL(): string {
  const port = process.env.E2E_EMULATOR_PORT;
  if (!port) throw new Error('E2E_EMULATOR_PORT is not set: run the tests through playwright.config.ts');
  return `http://127.0.0.1:${port}`;
}
