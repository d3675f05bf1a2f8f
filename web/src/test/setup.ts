import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { resetMockApi, server } from './server';

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
});

afterEach(() => {
  cleanup();
  server.resetHandlers();
  resetMockApi();
  sessionStorage.clear();
});

afterAll(() => {
  server.close();
});

// jsdom does not implement scrolling.
window.scrollTo = () => undefined;
