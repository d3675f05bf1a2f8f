import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { resetMockApi, server } from './server';
import { failOnUnhandledRequests, recordUnhandledRequest } from './unhandledRequests';

beforeAll(() => {
  // An unhandled request is recorded (and fails on its own), then fails the test below.
  server.listen({ onUnhandledRequest: recordUnhandledRequest });
});

afterEach(() => {
  cleanup();
  server.resetHandlers();
  resetMockApi();
  sessionStorage.clear();
  failOnUnhandledRequests();
});

afterAll(() => {
  server.close();
});

// jsdom does not implement scrolling.
window.scrollTo = () => undefined;
