/** A field-level validation message from a 422 problem response. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** The parts of an RFC 9457 problem document the portal uses. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  requestId?: string;
  errors: FieldProblem[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads a problem document defensively: error bodies can come from proxies too. */
export function parseProblem(body: unknown, status: number): Problem {
  const record = isRecord(body) ? body : {};
  const errors = Array.isArray(record.errors)
    ? record.errors.flatMap((item: unknown) => {
        if (!isRecord(item)) return [];
        const field = asString(item.field);
        const message = asString(item.message);
        return field && message ? [{ field, message }] : [];
      })
    : [];
  const detail = asString(record.detail);
  const requestId = asString(record.request_id);
  return {
    type: asString(record.type) ?? 'about:blank',
    title: asString(record.title) ?? `HTTP ${status}`,
    status: typeof record.status === 'number' ? record.status : status,
    ...(detail ? { detail } : {}),
    ...(requestId ? { requestId } : {}),
    errors,
  };
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); `undefined` when absent. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** A non-2xx answer from the portal API. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly requestId: string | undefined;
  /** When the server asked us to wait (429), the moment it is fine to try again. */
  readonly retryAt: Date | undefined;

  constructor(status: number, problem: Problem, requestId: string | undefined, retryAfterSeconds?: number) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.requestId = requestId;
    this.retryAt = retryAfterSeconds === undefined ? undefined : new Date(Date.now() + retryAfterSeconds * 1000);
  }

  static fromResponse(response: Response, body: unknown): ApiError {
    const problem = parseProblem(body, response.status);
    const requestId = problem.requestId ?? response.headers.get('x-request-id') ?? undefined;
    return new ApiError(response.status, problem, requestId, parseRetryAfter(response.headers.get('retry-after')));
  }
}

/** The request never got an answer (offline, DNS, connection reset). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('Network request failed', { cause });
    this.name = 'NetworkError';
  }
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

export function isUnauthorized(error: unknown): boolean {
  return isApiError(error, 401);
}
