import { describe, expect, it } from 'vitest';
import { api, ApiError, byServiceOrder, NETWORK_ERROR, nextLink, probeEvents, request, toProblem } from './api';
import { fakeApi, json, problem } from './test/fakeApi';
import { vi } from 'vitest';

describe('request', () => {
  it('returns parsed JSON on 2xx and sends JSON bodies', async () => {
    const { calls } = fakeApi({
      'POST /api/orders': ({ body }) => json({ orderId: 'o1', ...(body as object) }, 201),
    });
    const order = await api.createOrder('c1');
    expect(order).toMatchObject({ orderId: 'o1', customerId: 'c1' });
    expect(calls).toEqual([{ method: 'POST', path: '/api/orders', search: '', body: { customerId: 'c1' } }]);
  });

  it('turns problem+json into an ApiError with title, detail and field errors', async () => {
    fakeApi({
      'POST /api/orders/o1/items': () =>
        problem(400, 'Validation failed', 'The item is not valid.', {
          errors: [{ field: 'quantity', message: 'must be between 1 and 1000' }],
        }),
    });
    const err = await api.addItem('o1', 'p1', 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(400);
    expect(e.problem.title).toBe('Validation failed');
    expect(e.problem.detail).toBe('The item is not valid.');
    expect(e.problem.errors).toEqual([{ field: 'quantity', message: 'must be between 1 and 1000' }]);
  });

  it('reads Retry-After of a 503', async () => {
    fakeApi({
      'GET /api/products': () =>
        new Response(JSON.stringify({ title: 'Service Unavailable', status: 503, detail: 'breaker open' }), {
          status: 503,
          headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '7' },
        }),
    });
    const err = (await api.products().catch((e: unknown) => e)) as ApiError;
    expect(err.retryAfter).toBe(7);
    expect(toProblem(err)).toMatchObject({ title: 'Service Unavailable', retryAfter: 7, status: 503 });
  });

  it('gives a plain title to an error that is not a problem document', async () => {
    fakeApi({
      'GET /api/orders': () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'Content-Type': 'text/html' } }),
    });
    const err = (await api.orders().catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(502);
    expect(err.problem.title).toBe('A service behind the gateway failed');
    expect(err.problem.detail).toBeUndefined(); // HTML is not shown as detail
  });

  it('reports an unreachable gateway as a network problem', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    }));
    const err = (await request('/api/lab/info').catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(NETWORK_ERROR);
    expect(err.problem.title).toBe('The gateway could not be reached');
  });

  it('builds query strings for filters and skips empty ones', async () => {
    const { calls } = fakeApi({ 'GET /api/orders': () => [], 'GET /api/invoices': () => [] });
    await api.orders({ customerId: 'c 1', status: '' });
    await api.invoices('o1');
    expect(calls.map((c) => c.path + c.search)).toEqual(['/api/orders?customerId=c+1', '/api/invoices?orderId=o1']);
  });

  it('puts fault settings as JSON', async () => {
    const { calls } = fakeApi({ 'PUT /api/lab/faults/warehouse': ({ body }) => body });
    const settings = { errorRate: 0.5, errorStatus: 503, latencyMs: 100, latencyJitterMs: 0, down: '' as const };
    await expect(api.setFaults('warehouse', settings)).resolves.toEqual(settings);
    expect(calls[0]).toMatchObject({ method: 'PUT', body: settings });
  });
});

describe('probeEvents', () => {
  it('answers the 404 of a variant without a broker', async () => {
    fakeApi({});
    const err = await probeEvents();
    expect(err?.status).toBe(404);
  });

  it('answers null when the stream exists', async () => {
    fakeApi({
      'GET /api/lab/events': () => new Response('', { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
    });
    expect(await probeEvents()).toBeNull();
  });
});

describe('nextLink', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['</api/orders?limit=100&after=abc>; rel="next"', '/api/orders?limit=100&after=abc'],
    ['<http://127.0.0.1:8080/api/orders?after=x>; rel=next', '/api/orders?after=x'],
    ['</api/orders?before=y>; rel="prev", </api/orders?after=z>; rel="next"', '/api/orders?after=z'],
    ['</api/orders?after=z>; rel="prev"', undefined],
    ['</api/orders?after=z>; title="a, b"; rel="next last"', '/api/orders?after=z'],
  ])('%s → %s', (header, want) => expect(nextLink(header)).toBe(want));
});

describe('requestPage', () => {
  it('answers the items and the next page from the Link header', async () => {
    fakeApi({
      'GET /api/shipments': () => json([{ shipmentId: 's1' }], 200, { Link: '</api/shipments?limit=1&after=s1>; rel="next"' }),
    });
    expect(await api.shipmentsPage()).toEqual({ items: [{ shipmentId: 's1' }], next: '/api/shipments?limit=1&after=s1' });
  });

  it('answers no next page without a Link header', async () => {
    fakeApi({ 'GET /api/invoices': () => [] });
    expect(await api.invoicesPage('o-1')).toEqual({ items: [], next: undefined });
  });
});

describe('byServiceOrder', () => {
  it('lists the services in the one order, each instance with its service, unknown names last', () => {
    const names = ['gateway', 'billing', 'ordering-2', 'customers', 'warehouse-2', 'ordering', 'warehouse'];
    expect(byServiceOrder(names, (n) => n)).toEqual([
      'customers',
      'ordering',
      'ordering-2',
      'warehouse',
      'warehouse-2',
      'billing',
      'gateway',
    ]);
  });
});
