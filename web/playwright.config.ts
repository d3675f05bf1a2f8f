import { defineConfig, devices } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emulatorURL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, STRANGER } from './e2e/support/idp';

// End-to-end tests drive Debian's chromium against the real Rust server on the demo store, with
// the Salesforce emulator as the OpenID Connect provider for single sign-on. Each server gets a
// free port, the portal a fresh data directory per run. Playwright loads this file in every
// worker too, so the choices are made once and handed down through the environment.
const webDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(webDir, '..');

function freePort(): string {
  return execFileSync(
    process.execPath,
    ['-e', "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"],
    { encoding: 'utf8' },
  ).trim();
}

interface LocalAccount {
  email: string;
  password_hash: string;
  contact_id: string;
  account_id: string;
}

/**
 * The emulator's sign-ins: the demo accounts, plus one whose email matches no Contact (to test
 * the "unknown contact" refusal). Its password is `portal-demo` too: an argon2id PHC string
 * carries its own salt and is not bound to the email, so an existing hash can be reused.
 */
function writeEmulatorUsers(): string {
  const accounts = JSON.parse(
    readFileSync(join(repoRoot, 'backend', 'mocks', 'local_accounts.json'), 'utf8'),
  ) as LocalAccount[];
  const demo = accounts[0];
  if (!demo) throw new Error('backend/mocks/local_accounts.json has no accounts');
  accounts.push({
    email: STRANGER,
    password_hash: demo.password_hash,
    contact_id: '003Dn000O6V0xBh',
    account_id: demo.account_id,
  });
  const file = join(mkdtempSync(join(tmpdir(), 'portal-e2e-idp-')), 'users.json');
  writeFileSync(file, JSON.stringify(accounts, null, 1));
  return file;
}

process.env.E2E_PORTAL_PORT ??= freePort();
process.env.E2E_PORTAL_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'portal-e2e-'));
process.env.E2E_EMULATOR_PORT ??= freePort();
process.env.E2E_EMULATOR_USERS ??= writeEmulatorUsers();
// The SMTP sink the password-reset mails go to (aiosmtpd, decision 032); the tests read its Maildir.
process.env.E2E_SMTP_PORT ??= freePort();
process.env.E2E_MAILDIR ??= join(mkdtempSync(join(tmpdir(), 'portal-e2e-mail-')), 'maildir');
const port = process.env.E2E_PORTAL_PORT;
const baseURL = `http://127.0.0.1:${port}`;
const idpURL = emulatorURL();
const oidcCallback = `${baseURL}/auth/oidc/callback`;

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/playwright',
  // One server, one demo store: tests share state (and rate limits), so run them in order.
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [
    ['list'],
    ['json', { outputFile: './test-results/e2e-results.json' }],
    ...(process.env.CI ? ([['html', { open: 'never' }]] as const) : []),
  ],
  use: {
    baseURL,
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.E2E_CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], viewport: { width: 1280, height: 800 } } }],
  webServer: [
    {
      // The SMTP sink: installs aiosmtpd (pinned) into target/smtp-venv on first use.
      command: `exec python3 scripts/smtp_sink.py --port ${process.env.E2E_SMTP_PORT} --maildir ${process.env.E2E_MAILDIR}`,
      cwd: repoRoot,
      port: Number(process.env.E2E_SMTP_PORT),
      timeout: 5 * 60_000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The identity provider: the Salesforce emulator, with the portal registered as a client.
      command: 'cargo build -p salesforce-emulator && exec target/debug/salesforce-emulator',
      cwd: repoRoot,
      url: `${idpURL}/__emulator/health`,
      timeout: 20 * 60_000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        SF_EMULATOR_LISTEN: `127.0.0.1:${process.env.E2E_EMULATOR_PORT}`,
        SF_EMULATOR_BASE_URL: idpURL,
        SF_EMULATOR_FIXTURES: join(repoRoot, 'backend', 'mocks', 'salesforce'),
        SF_EMULATOR_USERS: process.env.E2E_EMULATOR_USERS,
        SF_EMULATOR_OIDC_CLIENTS: `${OIDC_CLIENT_ID}:${OIDC_CLIENT_SECRET}=${oidcCallback}`,
        RUST_LOG: process.env.E2E_EMULATOR_LOG ?? 'warn',
      },
    },
    {
      // The first build of the backend can take several minutes on a small machine.
      command: 'cargo build -p portal && exec target/debug/portal',
      cwd: repoRoot,
      url: `${baseURL}/readyz`,
      timeout: 20 * 60_000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        PORTAL_LISTEN: `127.0.0.1:${port}`,
        PORTAL_DATA_DIR: process.env.E2E_PORTAL_DATA_DIR,
        PORTAL_WEB_DIR: join(webDir, 'dist'),
        PORTAL_CASES__RATE_LIMIT__PER_HOUR: '1000',
        PORTAL_CASES__RATE_LIMIT__BURST: '100',
        // Single sign-on through the emulator (discovery at <issuer>/.well-known/openid-configuration).
        PORTAL_OIDC__ISSUER_URL: idpURL,
        PORTAL_OIDC__CLIENT_ID: OIDC_CLIENT_ID,
        PORTAL_OIDC__CLIENT_SECRET: OIDC_CLIENT_SECRET,
        PORTAL_OIDC__REDIRECT_URL: oidcCallback,
        // Password-reset mail to the sink; links point at this server.
        PORTAL_PUBLIC_URL: baseURL,
        PORTAL_SMTP__HOST: '127.0.0.1',
        PORTAL_SMTP__PORT: process.env.E2E_SMTP_PORT,
        PORTAL_SMTP__SECURITY: 'none',
        PORTAL_SMTP__FROM: 'Customer portal <portal@example.test>',
        // Warnings and errors only, so that the test report stays readable.
        PORTAL_LOG__FILTER: process.env.E2E_PORTAL_LOG ?? 'warn',
      },
    },
  ],
});
