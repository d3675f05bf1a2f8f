import { defineConfig, devices } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// End-to-end tests drive Debian's chromium against the real Rust server on the demo store.
// The server gets a free port and a fresh data directory per run. Playwright loads this file
// in every worker too, so the choices are made once and handed down through the environment.
const webDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(webDir, '..');

function freePort(): string {
  return execFileSync(
    process.execPath,
    ['-e', "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"],
    { encoding: 'utf8' },
  ).trim();
}

process.env.E2E_PORTAL_PORT ??= freePort();
process.env.E2E_PORTAL_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'portal-e2e-'));
const port = process.env.E2E_PORTAL_PORT;
const baseURL = `http://127.0.0.1:${port}`;

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
  webServer: {
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
      // Warnings and errors only, so that the test report stays readable.
      PORTAL_LOG__FILTER: process.env.E2E_PORTAL_LOG ?? 'warn',
    },
  },
});
