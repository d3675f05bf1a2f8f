/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const apiTarget = process.env.PORTAL_API_URL ?? 'http://127.0.0.1:8000';

// Paths the Rust server owns; everything else is a client route served by the SPA.
const apiPrefixes = ['/auth', '/customer', '/downloads', '/healthz', '/readyz', '/openapi.json', '/docs'];

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: Object.fromEntries(
      apiPrefixes.map((prefix) => [
        // Anchored so that e.g. `/docs` does not swallow a client route such as `/documents`.
        `^${prefix.replace('.', '\\.')}(/|\\?|$)`,
        { target: apiTarget, changeOrigin: false },
      ]),
    ),
  },
  build: {
    target: 'es2022',
    // Maps for error reports, without advertising them to browsers.
    sourcemap: 'hidden',
    manifest: true,
    // Only evergreen browsers are supported; they all implement modulepreload.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      output: {
        // A few cacheable chunks rather than one per shared module: libraries (change rarely),
        // shared UI, and one per feature (loaded with its first page).
        codeSplitting: {
          groups: [
            // The dynamic forms' validator (decision 029) is needed by the new-case page only.
            { name: 'json-schema', test: /node_modules\/@cfworker\/json-schema\//, priority: 1 },
            { name: 'vendor', test: /node_modules/ },
            { name: 'shared', test: /src\/(components|lib|i18n|api|session)\// },
            { name: 'cases', test: /src\/features\/cases\// },
            { name: 'documents', test: /src\/features\/documents\// },
            { name: 'products', test: /src\/features\/products\// },
            { name: 'appointments', test: /src\/features\/appointments\// },
          ],
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    globals: false,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    css: false,
    // The default 5 s is too tight for a whole-app test (sign in, render, several navigations)
    // on a 2-core CI machine that is also compiling: a timeout there is load, not a failure.
    // findBy*/waitFor keep their own shorter bounds, so a real hang still fails.
    testTimeout: 30_000,
  },
});
