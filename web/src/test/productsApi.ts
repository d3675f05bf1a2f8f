import { http, HttpResponse } from 'msw';
import type { CatalogProduct, OwnedProduct, Recommendation } from '../api/types';
import { mockApi, problem } from './server';

/**
 * An in-memory stand-in for the product routes (My products, recommendations, interest,
 * dismiss), installed by the tests that need it with `server.use(...productHandlers())`.
 */
const product = (n: number, name: string, family: string): CatalogProduct => ({
  id: `01tPROD${String(n).padStart(11, '0')}`,
  name,
  product_code: `P-${String(n)}`,
  family,
  description: `${name} description.`,
});

export const catalog = {
  pro: product(1, 'Cloud Monitoring Pro', 'Software'),
  sensors: product(2, 'Vibration Sensor Pack', 'Hardware'),
  training: product(3, 'Operator Training', 'Services'),
};

export const owned: OwnedProduct[] = [
  {
    id: '02iASSET00000000001',
    name: 'Gateway 100 - Plant A',
    product_id: '01tGW100000000000AA',
    product_name: 'Gateway 100',
    product_code: 'GW-100',
    family: 'Hardware',
    serial_number: 'GW1-00417',
    install_date: '2025-02-11',
    status: 'Installed',
  },
  {
    id: '02iASSET00000000002',
    name: 'Mounting bracket kit',
    product_id: null,
    product_name: null,
    product_code: null,
    family: null,
    serial_number: null,
    install_date: null,
    status: 'Shipped',
  },
];

export const productState = {
  recommended: [] as Recommendation[],
  dismissed: [] as CatalogProduct[],
  /** Interests registered, by product id. */
  interests: {} as Record<string, string>,
  /** How many of the next interest requests fail with a 503 (nothing written). */
  failInterest: 0,
};

export function resetProductState(): void {
  productState.recommended = [
    {
      product: catalog.pro,
      reasons: [
        { code: 'owns_related', message: 'You own Gateway 100. Monitor your fleet from one place.' },
        { code: 'popular_with_similar', message: '2 customers with products like yours also use it.' },
      ],
      interest_requested_at: null,
    },
    {
      product: catalog.sensors,
      reasons: [{ code: 'same_family', message: 'You already use other Hardware products.' }],
      interest_requested_at: null,
    },
  ];
  productState.dismissed = [];
  productState.interests = {};
  productState.failInterest = 0;
}

function record(request: Request): void {
  mockApi.requests.push({ method: request.method, url: new URL(request.url), headers: request.headers, body: undefined });
}

function writeRefused(request: Request) {
  if (!mockApi.session) return problem(401, 'Not signed in');
  if (request.headers.get('X-CSRF-Token') !== mockApi.session.csrf_token) return problem(403, 'CSRF');
  return null;
}

function find(id: string): CatalogProduct | undefined {
  return Object.values(catalog).find((p) => p.id === id);
}

export function productHandlers() {
  resetProductState();
  return [
    http.get('/customer/:customerId/products', ({ request }) => {
      record(request);
      if (!mockApi.session) return problem(401, 'Not signed in');
      return HttpResponse.json({ items: owned, next_cursor: null });
    }),
    http.get('/customer/:customerId/recommendations', ({ request }) => {
      record(request);
      if (!mockApi.session) return problem(401, 'Not signed in');
      const hidden = new Set(productState.dismissed.map((p) => p.id));
      const items = productState.recommended
        .filter((r) => !hidden.has(r.product.id))
        .map((r) => ({ ...r, interest_requested_at: productState.interests[r.product.id] ?? null }));
      return HttpResponse.json({ items, dismissed: productState.dismissed });
    }),
    http.post('/customer/:customerId/recommendations/:productId/interest', ({ request, params }) => {
      record(request);
      const refused = writeRefused(request);
      if (refused) return refused;
      const item = find(String(params.productId));
      if (!item) return problem(404, 'Not found');
      if (productState.failInterest > 0) {
        productState.failInterest -= 1;
        return problem(503, 'Salesforce is unavailable');
      }
      const existing = productState.interests[item.id];
      const requestedAt = existing ?? '2026-12-07T10:00:00Z';
      productState.interests[item.id] = requestedAt;
      return HttpResponse.json({ product: item, requested_at: requestedAt }, { status: existing ? 200 : 201 });
    }),
    http.post('/customer/:customerId/recommendations/:productId/dismiss', ({ request, params }) => {
      record(request);
      const refused = writeRefused(request);
      if (refused) return refused;
      const item = find(String(params.productId));
      if (!item) return problem(404, 'Not found');
      if (!productState.dismissed.some((p) => p.id === item.id)) productState.dismissed.push(item);
      return new HttpResponse(null, { status: 204 });
    }),
    http.delete('/customer/:customerId/recommendations/:productId/dismiss', ({ request, params }) => {
      record(request);
      const refused = writeRefused(request);
      if (refused) return refused;
      const item = find(String(params.productId));
      if (!item) return problem(404, 'Not found');
      productState.dismissed = productState.dismissed.filter((p) => p.id !== item.id);
      return new HttpResponse(null, { status: 204 });
    }),
  ];
}
