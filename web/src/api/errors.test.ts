import { describe, expect, it } from 'vitest';
import { ApiError, parseProblem, parseRetryAfter } from './errors';

describe('parseProblem', () => {
  it('reads an RFC 9457 document with field errors', () => {
    const problem = parseProblem(
      {
        type: '/problems/validation',
        title: 'Invalid',
        status: 422,
        detail: 'Check the fields',
        request_id: 'abc',
        errors: [{ field: 'subject', message: 'Too long' }, { nonsense: true }],
      },
      422,
    );
    expect(problem).toEqual({
      type: '/problems/validation',
      title: 'Invalid',
      status: 422,
      detail: 'Check the fields',
      requestId: 'abc',
      errors: [{ field: 'subject', message: 'Too long' }],
    });
  });

  it('survives a body that is not a problem document', () => {
    expect(parseProblem('<html>Bad gateway</html>', 502)).toEqual({
      type: 'about:blank',
      title: 'HTTP 502',
      status: 502,
      errors: [],
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(null)).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('ApiError.fromResponse', () => {
  it('takes the request id from the header when the body has none, and the retry time', () => {
    const response = new Response(null, { status: 429, headers: { 'x-request-id': 'hdr-1', 'retry-after': '60' } });
    const before = Date.now();
    const error = ApiError.fromResponse(response, { title: 'Too many', status: 429 });
    expect(error.status).toBe(429);
    expect(error.requestId).toBe('hdr-1');
    expect(error.retryAt!.getTime()).toBeGreaterThanOrEqual(before + 60_000);
  });
});
