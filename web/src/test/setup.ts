import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { resetMockApi, server } from './server';
import { failOnUnhandledRequests, recordUnhandledRequest } from './unhandledRequests';

// findBy*/waitFor give up after this long. The default (1 s) is an upper bound a whole-app render
// can pass on a loaded 2-core machine; waits still end as soon as the condition holds.
configure({ asyncUtilTimeout: 5_000 });

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
