import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { App } from './App';
import { customers, fakeApi, makeOrder, products } from './test/fakeApi';
// The views the App loads lazily, loaded up front so that a busy machine does not time the tests out.
import './views/Documents';
import './views/LabPanel';
import './views/OrdersList';
import './views/OrderView';

function go(hash: string) {
  act(() => {
    window.location.hash = hash;
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });
}

const older = makeOrder({ orderId: 'aaaaaaaa-0000-4000-8000-000000000001', createdAt: '2024-01-01T00:00:00Z', status: 'COMPLETED', total: 4999 });
const newer = makeOrder({ orderId: 'bbbbbbbb-0000-4000-8000-000000000002', createdAt: '2024-06-01T00:00:00Z' });

function lab() {
  return fakeApi({
    'GET /api/lab/info': () => ({ variant: 'rest', services: [{ name: 'ordering', healthy: true }] }),
    'GET /api/customers': () => customers,
    'GET /api/products': () => products,
    'GET /api/orders': () => [older, newer],
    'GET /api/orders/*': ({ path }) => (path.endsWith(older.orderId) ? older : newer),
    'GET /api/shipments': () => [
      { shipmentId: 'cccccccc-1', orderId: older.orderId, customerId: customers[0].customerId, address: '1 Analytical Way', items: [{ productId: products[0].productId, quantity: 1 }], status: 'SHIPPED', createdAt: '2024-01-01T00:00:01Z', shippedAt: '2024-01-01T00:00:02Z' },
    ],
    'GET /api/invoices': () => [
      { invoiceId: 'dddddddd-1', orderId: older.orderId, customerId: customers[0].customerId, customerName: 'Ada Lovelace', amount: 4999, currency: 'EUR', lines: [], status: 'ISSUED', issuedAt: '2024-01-01T00:00:03Z' },
    ],
  });
}

describe('App', () => {
  it('shows the variant in the header and marks the current tab', async () => {
    lab();
    render(<App />);
    await screen.findByText('rest');
    const nav = screen.getByRole('navigation', { name: 'Views' });
    expect(within(nav).getByRole('link', { name: 'Shop' }).getAttribute('aria-current')).toBe('page');
    go('#/lab');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Lab panel');
    expect(within(nav).getByRole('link', { name: 'Lab' }).getAttribute('aria-current')).toBe('page');
  });

  it('lists orders newest first and opens one', async () => {
    lab();
    window.location.hash = '#/orders';
    render(<App />);
    const links = await screen.findAllByRole('link', { name: /^Open order/ });
    expect(links.map((l) => l.getAttribute('href'))).toEqual([`#/orders/${newer.orderId}`, `#/orders/${older.orderId}`]);
    go(links[1].getAttribute('href')!);
    await screen.findByText(older.orderId);
    expect(screen.getByText(/nothing more to do/)).toBeTruthy();
    // the completed order shows its shipment and invoice
    await screen.findByText(/to 1 Analytical Way/);
  });

  it('filters shipments and invoices by order', async () => {
    const { calls } = lab();
    window.location.hash = `#/documents?orderId=${older.orderId}`;
    render(<App />);
    await screen.findByText('Ada Lovelace');
    expect(calls.filter((c) => c.path === '/api/invoices').map((c) => c.search)).toContain(`?orderId=${older.orderId}`);
    fireEvent.click(screen.getByRole('button', { name: 'Show all' }));
    expect(window.location.hash).toBe('#/documents');
  });

  it('never shows a blank screen when the gateway is unreachable', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    }));
    render(<App />);
    await screen.findByText('gateway unreachable');
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts[0].textContent).toContain('The gateway could not be reached');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Shop');
  });

  it('remembers the chosen customer', async () => {
    lab();
    const { unmount } = render(<App />);
    fireEvent.change(await screen.findByLabelText('Shop as'), { target: { value: customers[1].customerId } });
    unmount();
    render(<App />);
    await screen.findByText(/Ships to: 2 Bletchley Park/);
  });
});
