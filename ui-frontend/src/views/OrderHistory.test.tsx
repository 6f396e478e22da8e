import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { customers, fakeApi, json, makeOrder, products } from '../test/fakeApi';
import { traceHref, traceIdOf } from '../traces';
import type { StreamEvent } from '../types';
import { OrderView } from './OrderView';

const order = makeOrder({
  status: 'COMPLETED',
  total: 9998,
  items: [{ itemId: 'i1', productId: products[0].productId, quantity: 2, unitPrice: 4999, status: 'RESERVED' }],
});
const ID = order.orderId;
const ev = (version: number, type: string, stored = 1): StreamEvent => ({
  orderId: ID,
  version,
  type,
  schemaVersion: type === 'ItemAdded' ? 2 : 1,
  storedSchemaVersion: stored,
  recordedAt: `2024-05-01T10:00:0${version}Z`,
  data: { n: version },
});
const stream = [ev(1, 'OrderOpened'), ev(2, 'ItemAdded'), ev(3, 'ItemReserved'), ev(4, 'OrderConfirmed')];

function routes(extra = {}) {
  return fakeApi({
    [`GET /api/orders/${ID}`]: ({ url }) => {
      const v = url.searchParams.get('version');
      if (v === '1') return makeOrder({ status: 'OPEN', items: [] });
      if (v === '2')
        return makeOrder({
          status: 'OPEN',
          items: [{ itemId: 'i1', productId: products[0].productId, quantity: 2, unitPrice: 4999, status: 'PENDING' }],
        });
      return order;
    },
    [`GET /api/orders/${ID}/events`]: () => stream,
    'GET /api/products': () => products,
    'GET /api/customers': () => customers,
    'GET /api/shipments': () => [],
    'GET /api/invoices': () => [],
    ...extra,
  });
}

describe('OrderView history (features.history)', () => {
  it('lists the stream and shows the order as it was at the version the slider names', async () => {
    const { calls } = routes();
    render(<OrderView orderId={ID} history />);
    const list = await screen.findByRole('list', { name: "The order's events, oldest first" }, { timeout: 5000 });
    expect(within(list).getAllByRole('listitem').map((li) => li.getAttribute('data-event-type'))).toEqual([
      'OrderOpened',
      'ItemAdded',
      'ItemReserved',
      'OrderConfirmed',
    ]);
    expect(screen.getByText(/stored as schema v1, read as v2/)).toBeTruthy(); // an upcast event says so
    const slider = screen.getByLabelText(/State at version/) as HTMLInputElement;
    expect(slider.value).toBe('4');
    expect(slider.max).toBe('4');
    // The latest version is the order as it is: no request for it.
    expect(calls.some((c) => c.search.includes('version='))).toBe(false);

    fireEvent.change(slider, { target: { value: '2' } });
    expect(screen.getByTestId('state-at-version').textContent).toBe('2');
    const then = await screen.findByText(/After ItemAdded: the order was/, undefined, { timeout: 5000 });
    expect(within(then).getByText('OPEN')).toBeTruthy();
    expect(then.textContent).toContain('2 × PENDING');
    expect(calls.some((c) => c.path === `/api/orders/${ID}` && c.search === '?version=2')).toBe(true);

    fireEvent.change(slider, { target: { value: '4' } });
    await screen.findByText(/The latest version/, undefined, { timeout: 5000 });
  });

  it('says that the variant lacks it and asks for nothing', async () => {
    const { calls } = routes();
    render(<OrderView orderId={ID} history={false} />);
    expect((await screen.findByTestId('history-absent', undefined, { timeout: 5000 })).textContent).toMatch(/This variant lacks it/);
    await screen.findByText('Shipment and invoice', undefined, { timeout: 5000 });
    expect(calls.some((c) => c.path.endsWith('/events') || c.search.includes('version'))).toBe(false);
  });

  it('shows a problem when the stream cannot be read, and the rest of the order', async () => {
    routes({ [`GET /api/orders/${ID}/events`]: () => json({ title: 'Service Unavailable', status: 503 }, 503) });
    render(<OrderView orderId={ID} history />);
    await screen.findByText(/Could not read the order's events/, undefined, { timeout: 5000 });
    expect(screen.getByTestId('order-total').textContent).toBe('€99.98');
  });
});

describe('OrderView trace ids', () => {
  const created = '4bf92f3577b34da6a3ce929d0e0e4736';
  const confirmed = '0af7651916cd43dd8448eb211c80319c';

  it('keeps the trace ids of creation and confirm and links them to the viewer', async () => {
    const open = makeOrder({
      items: [{ itemId: 'i1', productId: products[0].productId, quantity: 1, unitPrice: 4999, status: 'RESERVED' }],
    });
    fakeApi({
      'POST /api/orders': () => json(open, 201, { traceparent: `00-${created}-00f067aa0ba902b7-01` }),
      [`GET /api/orders/${ID}`]: () => open,
      [`POST /api/orders/${ID}/confirm`]: () =>
        json({ ...open, status: 'COMPLETED' }, 200, { traceparent: `00-${confirmed}-b7ad6b7169203331-01` }),
      'GET /api/products': () => products,
      'GET /api/customers': () => customers,
      'GET /api/shipments': () => [],
      'GET /api/invoices': () => [],
    });
    const { api } = await import('../api');
    await api.createOrder(customers[0].customerId);
    render(<OrderView orderId={ID} traceViewer="http://127.0.0.1:8000/" />);
    const link = await screen.findByRole('link', { name: new RegExp(created) }, { timeout: 5000 });
    expect(link.getAttribute('href')).toBe(`http://127.0.0.1:8000/traces/${created}`);
    expect(screen.queryByTestId('trace-confirmed')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Confirm order' }));
    const second = await screen.findByRole('link', { name: new RegExp(confirmed) }, { timeout: 5000 });
    expect(second.getAttribute('href')).toBe(`http://127.0.0.1:8000/traces/${confirmed}`);
  });

  it('shows the ids without links when no viewer runs, and nothing without tracing', async () => {
    fakeApi({
      [`POST /api/orders/${ID}/confirm`]: () => json(order, 200, { traceparent: `00-${confirmed}-b7ad6b7169203331-01` }),
    });
    const { api } = await import('../api');
    await api.confirmOrder(ID);
    routes();
    const { unmount } = render(<OrderView orderId={ID} />);
    const fact = await screen.findByTestId('trace-confirmed', undefined, { timeout: 5000 });
    expect(fact.textContent).toContain(confirmed);
    expect(within(fact).queryByRole('link')).toBeNull();
    unmount();
    window.localStorage.clear();
    render(<OrderView orderId={makeOrder({ orderId: '33333333-0000-4000-8000-000000000009' }).orderId} />);
    await waitFor(() => expect(screen.queryByText(/Trace of its/)).toBeNull());
  });
});

describe('traceIdOf', () => {
  it.each([
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '4bf92f3577b34da6a3ce929d0e0e4736'],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', undefined],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', undefined],
    ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', undefined],
    ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', undefined],
    ['garbage', undefined],
    [null, undefined],
  ])('%s → %s', (header, want) => {
    expect(traceIdOf(header)).toBe(want);
  });

  it('links to the viewer in its URL scheme', () => {
    expect(traceHref('http://localhost:8000///', 'abc')).toBe('http://localhost:8000/traces/abc');
  });
});
