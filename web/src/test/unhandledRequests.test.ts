import { describe, expect, it, vi } from 'vitest';
import { failOnUnhandledRequests, takeUnhandledRequests } from './unhandledRequests';

describe('the mock API', () => {
  it('fails a request no handler answers, and records it so that the test fails', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await expect(fetch('/no-such-endpoint?x=1', { method: 'POST' })).rejects.toThrow();
    await expect(fetch('/auth/sessions')).rejects.toThrow();
    expect(() => {
      failOnUnhandledRequests();
    }).toThrow(/2 request\(s\) the mock API does not handle[\s\S]*POST \/no-such-endpoint\?x=1[\s\S]*GET \/auth\/sessions/);
    expect(log).toHaveBeenCalledTimes(2);
    expect(String(log.mock.calls[0]?.join(' '))).toContain('POST /no-such-endpoint?x=1');
    // Recorded requests are reported once: the next check (this test's afterEach) passes.
    expect(takeUnhandledRequests()).toEqual([]);
  });

  it('records nothing for handled requests', async () => {
    const response = await fetch('/auth/methods');
    expect(response.ok).toBe(true);
    expect(takeUnhandledRequests()).toEqual([]);
  });
});
