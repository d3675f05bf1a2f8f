import { http, HttpResponse, type JsonBodyType } from 'msw';
import { setupServer } from 'msw/node';
import type { Attachment, AuthMethods, Case, CaseComment, PortalDocument, Session } from '../api/types';

/** An in-memory stand-in for the portal API, just rich enough for the app's tests. */
export const CUSTOMER_ID = '001TEST000000001AAA';

export const aliceSession: Session = {
  user: { name: 'Alice Anderson', email: 'alice@acme.example', role: 'manager' },
  customer: { id: CUSTOMER_ID, name: 'Acme Corporation' },
  csrf_token: 'csrf-token-1',
  expires_at: '2030-01-01T00:00:00Z',
};

const STATUSES: Case['status'][] = ['new', 'in_progress', 'waiting_on_customer', 'escalated', 'on_hold', 'closed'];
const PRIORITIES: Case['priority'][] = ['low', 'medium', 'high'];

function makeCases(count: number): Case[] {
  return Array.from({ length: count }, (_, i) => {
    const status = STATUSES[i % STATUSES.length] ?? 'new';
    const created = new Date(Date.UTC(2026, 9, 30, 12) - i * 86_400_000).toISOString();
    return {
      id: `500CASE${String(i).padStart(11, '0')}`,
      case_number: String(1000 + count - i).padStart(8, '0'),
      subject: `Case subject ${i + 1}`,
      description: `Description of case ${i + 1}.\nSecond line.`,
      status,
      is_closed: status === 'closed',
      priority: PRIORITIES[i % PRIORITIES.length] ?? 'medium',
      created_at: created,
      updated_at: created,
      closed_at: status === 'closed' ? created : null,
      awaiting: status === 'closed' ? null : status === 'waiting_on_customer' ? 'customer' : 'agent',
      reopen_until: null,
    };
  });
}

function makeDocuments(count: number): PortalDocument[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `069DOC${String(i).padStart(12, '0')}`,
    title: `Invoice ${i + 1}`,
    file_name: `invoice-${i + 1}.pdf`,
    content_type: 'application/pdf',
    size_bytes: 1_200_000 + i,
    created_at: new Date(Date.UTC(2026, 9, 1) - i * 86_400_000).toISOString(),
  }));
}

/** What `/auth/methods` answers when the portal offers single sign-on. */
export const oidcMethods: AuthMethods = {
  password: true,
  oidc: { label: 'Sign in with Salesforce', login_url: '/auth/oidc/login' },
};

interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

export const mockApi = {
  session: null as Session | null,
  authMethods: { password: true, oidc: null } as AuthMethods,
  cases: makeCases(60),
  documents: makeDocuments(30),
  requests: [] as RecordedRequest[],
  createdCount: 0,
  /** Files attached to cases, by case id. */
  attachments: {} as Record<string, Attachment[]>,
  /** When set, reads answer as the API does from its cache while Salesforce is down. */
  staleAgeSeconds: null as number | null,
  /** Each case's conversation, by case id. */
  comments: {} as Record<string, CaseComment[]>,
  /** Replies written, by Idempotency-Key. */
  replyKeys: {} as Record<string, CaseComment>,
  /** How many of the next replies fail with a 503 (nothing written). */
  failReplies: 0,
};

export function resetMockApi(): void {
  mockApi.session = null;
  mockApi.authMethods = { password: true, oidc: null };
  mockApi.cases = makeCases(60);
  mockApi.documents = makeDocuments(30);
  mockApi.requests = [];
  mockApi.createdCount = 0;
  mockApi.attachments = {};
  mockApi.staleAgeSeconds = null;
  mockApi.comments = {};
  mockApi.replyKeys = {};
  mockApi.failReplies = 0;
}

export function signIn(): void {
  mockApi.session = aliceSession;
}

export function problem(status: number, title: string, extra: Record<string, JsonBodyType> = {}, headers: Record<string, string> = {}) {
  return HttpResponse.json(
    { type: `/problems/${status}`, title, status, detail: title, request_id: `req-${status}-abc`, ...extra },
    { status, headers: { 'Content-Type': 'application/problem+json', ...headers } },
  );
}

function page<T>(items: T[], url: URL) {
  const limit = Number(url.searchParams.get('limit') ?? '25');
  const offset = Number(url.searchParams.get('cursor') ?? '0');
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? String(offset + limit) : null;
  return { items: slice, next_cursor: next };
}

async function record(request: Request): Promise<void> {
  let body: unknown = undefined;
  if (request.method !== 'GET' && (request.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    body = await request.clone().formData();
  } else if (request.method !== 'GET') {
    const text = await request.clone().text();
    body = text ? (JSON.parse(text) as unknown) : undefined;
  }
  mockApi.requests.push({ method: request.method, url: new URL(request.url), headers: request.headers, body });
}

const unauthorized = () => problem(401, 'Not signed in');

/** A read's answer, marked stale-if-error (`X-Data-Stale`, `Age`) when `mockApi.staleAgeSeconds` is set. */
function read(body: JsonBodyType) {
  const age = mockApi.staleAgeSeconds;
  return HttpResponse.json(body, age === null ? {} : { headers: { 'X-Data-Stale': 'true', Age: String(age) } });
}

export const handlers = [
  http.get('/auth/session', async ({ request }) => {
    await record(request);
    return mockApi.session ? HttpResponse.json(mockApi.session) : unauthorized();
  }),
  http.get('/auth/methods', async ({ request }) => {
    await record(request);
    return HttpResponse.json(mockApi.authMethods);
  }),
  http.post('/auth/login', async ({ request }) => {
    await record(request);
    const body = (await request.json()) as { email: string; password: string };
    if (body.password !== 'portal-demo') return problem(401, 'Wrong email or password');
    mockApi.session = aliceSession;
    return HttpResponse.json(aliceSession);
  }),
  http.post('/auth/logout', async ({ request }) => {
    await record(request);
    if (request.headers.get('X-CSRF-Token') !== mockApi.session?.csrf_token) return problem(403, 'CSRF');
    mockApi.session = null;
    return new HttpResponse(null, { status: 204 });
  }),
  // No dynamic case forms unless a test installs them (src/test/formsApi.ts): the plain form.
  http.get('/customer/:customerId/forms', async ({ request }) => {
    await record(request);
    if (!mockApi.session) return unauthorized();
    return HttpResponse.json({ items: [] });
  }),
  http.get('/customer/:customerId/documents', async ({ request }) => {
    await record(request);
    if (!mockApi.session) return unauthorized();
    const url = new URL(request.url);
    const q = (url.searchParams.get('q') ?? '').toLowerCase();
    const items = mockApi.documents.filter((d) => d.title.toLowerCase().includes(q));
    return read(page(items, url));
  }),
  http.get('/customer/:customerId/cases', async ({ request }) => {
    await record(request);
    if (!mockApi.session) return unauthorized();
    const url = new URL(request.url);
    const status = url.searchParams.get('status') ?? 'all';
    const q = (url.searchParams.get('q') ?? '').toLowerCase();
    const items = mockApi.cases.filter(
      (c) =>
        (status === 'all' || (status === 'closed') === c.is_closed) &&
        (c.subject.toLowerCase().includes(q) || c.case_number.includes(q)),
    );
    return read(page(items, url));
  }),
  http.get('/customer/:customerId/cases/:caseId', async ({ request, params }) => {
    await record(request);
    if (!mockApi.session) return unauthorized();
    const found = mockApi.cases.find((c) => c.id === params.caseId);
    if (!found) return problem(404, 'Not found');
    const thread = mockApi.comments[found.id] ?? [];
    const last = thread.at(-1);
    return read({
      ...found,
      comment_count: thread.length,
      last_activity_at: last?.created_at ?? found.created_at,
      last_actor: last?.author.kind ?? null,
    });
  }),
  http.get('/customer/:customerId/cases/:caseId/comments', async ({ request, params }) => {
    await record(request);
    if (!mockApi.session) return unauthorized();
    const found = mockApi.cases.find((c) => c.id === params.caseId);
    if (!found) return problem(404, 'Not found');
    return read(page(mockApi.comments[found.id] ?? [], new URL(request.url)));
  }),
  http.post('/customer/:customerId/cases/:caseId/comments', async ({ request, params }) => {
    await record(request);
    if (!mockApi.session) return unauthorized();
    if (request.headers.get('X-CSRF-Token') !== mockApi.session.csrf_token) return problem(403, 'CSRF');
    const found = mockApi.cases.find((c) => c.id === params.caseId);
    if (!found) return problem(404, 'Not found');
    if (found.is_closed) return problem(409, 'Case closed', { type: '/problems/case-closed' });
    if (mockApi.failReplies > 0) {
      mockApi.failReplies -= 1;
      return problem(503, 'Service unavailable', {}, { 'Retry-After': '30' });
    }
    const key = request.headers.get('Idempotency-Key') ?? '';
    const replayed = mockApi.replyKeys[key];
    if (replayed) return HttpResponse.json(replayed, { status: 201, headers: { 'Idempotent-Replayed': 'true' } });
    const body = (await request.json()) as { body: string };
    const thread = (mockApi.comments[found.id] ??= []);
    const comment: CaseComment = {
      id: `00aNEW${String(thread.length).padStart(12, '0')}`,
      body: body.body,
      author: { kind: 'customer', name: aliceSession.user.name },
      created_at: new Date().toISOString(),
    };
    thread.push(comment);
    mockApi.replyKeys[key] = comment;
    return HttpResponse.json(comment, { status: 201 });
  }),
  http.get('/customer/:customerId/cases/:caseId/attachments', async ({ request, params }) => {
    await record(request);
    if (!mockApi.session) return unauthorized();
    if (!mockApi.cases.some((c) => c.id === params.caseId)) return problem(404, 'Not found');
    return read({ items: mockApi.attachments[String(params.caseId)] ?? [], next_cursor: null });
  }),
  http.post('/customer/:customerId/cases/:caseId/attachments', async ({ request, params }) => {
    await record(request);
    if (!mockApi.session) return unauthorized();
    if (request.headers.get('X-CSRF-Token') !== mockApi.session.csrf_token) return problem(403, 'CSRF');
    const file = (await request.formData()).get('file');
    // (A File of the request's realm, not necessarily the test's: check its shape.)
    if (file === null || typeof file === 'string') return problem(422, 'No file');
    // The server decides by content: an executable's bytes are refused whatever the name.
    if ((await file.text()).startsWith('MZ')) return problem(415, 'File type not accepted');
    const caseId = String(params.caseId);
    const stored: Attachment = {
      id: `069ATT${String(Object.values(mockApi.attachments).flat().length).padStart(12, '0')}`,
      file_name: file.name,
      content_type: file.type || 'application/octet-stream',
      size: file.size,
      created_at: new Date().toISOString(),
      uploaded_by: { kind: 'customer' },
    };
    mockApi.attachments[caseId] = [stored, ...(mockApi.attachments[caseId] ?? [])];
    return HttpResponse.json(stored, { status: 201 });
  }),
  http.post('/customer/:customerId/cases', async ({ request }) => {
    await record(request);
    if (!mockApi.session) return unauthorized();
    if (request.headers.get('X-CSRF-Token') !== mockApi.session.csrf_token) return problem(403, 'CSRF');
    const body = (await request.json()) as { subject: string; description: string; priority?: Case['priority'] };
    mockApi.createdCount += 1;
    const created: Case = {
      id: `500NEW${String(mockApi.createdCount).padStart(12, '0')}`,
      case_number: String(5000 + mockApi.createdCount).padStart(8, '0'),
      subject: body.subject,
      description: body.description,
      status: 'new',
      is_closed: false,
      priority: body.priority ?? 'medium',
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
      closed_at: null,
      reopen_until: null,
    };
    mockApi.cases.unshift(created);
    return HttpResponse.json(created, { status: 201, headers: { Location: `/customer/x/cases/${created.id}` } });
  }),
];

export const server = setupServer(...handlers);

export function requestsTo(method: string, pathPattern: RegExp): RecordedRequest[] {
  return mockApi.requests.filter((r) => r.method === method && pathPattern.test(r.url.pathname));
}
