import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { orderNeedsPolling } from '../hooks';
import { customers, fakeApi, makeOrder, problem, products } from '../test/fakeApi';
import type { Order, OrderItem } from '../types';
import { OrderView } from './OrderView';

const ORDER_ID = makeOrder().orderId;
const item = (patch: Partial<OrderItem> = {}): OrderItem => ({
  itemId: '44444444-0000-4000-8000-000000000001',
  productId: products[0].productId,
  quantity: 2,
  unitPrice: 4999,
  status: 'RESERVED',
  ...patch,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function orderGets(calls: { method: string; path: string }[]) {
  return calls.filter((c) => c.method === 'GET' && c.path === `/api/orders/${ORDER_ID}`).length;
}

describe('orderNeedsPolling', () => {
  it.each([
    ['OPEN', 'RESERVED', false],
    ['OPEN', 'PENDING', true],
    ['OPEN', 'REJECTED', false],
    ['CONFIRMED', 'RESERVED', true],
    ['SHIPPED', 'RESERVED', true],
    ['COMPLETED', 'RESERVED', false],
    ['CANCELED', 'CANCELED', false],
  ] as const)('%s order with a %s item → %s', (status, itemStatus, want) => {
    expect(orderNeedsPolling(makeOrder({ status, items: [item({ status: itemStatus })] }))).toBe(want);
  });
});

describe('OrderView', () => {
  it('polls while an item is PENDING and stops once it settles', async () => {
    const answers: Order[] = [
      makeOrder({ items: [item({ status: 'PENDING' })] }),
      makeOrder({ items: [item({ status: 'PENDING' })] }),
      makeOrder({ items: [item({ status: 'RESERVED' })], total: 9998 }),
    ];
    let n = 0;
    const { calls } = fakeApi({
      [`GET /api/orders/${ORDER_ID}`]: () => answers[Math.min(n++, answers.length - 1)],
      'GET /api/products': () => products,
      'GET /api/customers': () => customers,
    });
    render(<OrderView orderId={ORDER_ID} pollMs={20} />);

    await screen.findByText('PENDING');
    expect(screen.getByText(/Waiting for the warehouse to answer/)).toBeTruthy();
    await screen.findByText('RESERVED', { selector: '[data-status]' }, { timeout: 2000 });
    expect(screen.getByTestId('order-total').textContent).toBe('€99.98');
    const settledAt = orderGets(calls);
    expect(settledAt).toBe(3);
    await sleep(150);
    expect(orderGets(calls)).toBe(settledAt); // no more polling
    expect(screen.queryByText(/Waiting for the warehouse to answer/)).toBeNull();
  });

  it('confirms, then follows CONFIRMED → SHIPPED → COMPLETED and stops', async () => {
    const after: Order['status'][] = ['SHIPPED', 'COMPLETED'];
    let confirmed = false;
    let polls = 0;
    const { calls } = fakeApi({
      [`GET /api/orders/${ORDER_ID}`]: () => {
        if (!confirmed) return makeOrder({ items: [item()] });
        const status = after[Math.min(polls++, after.length - 1)];
        return makeOrder({ status, items: [item()] });
      },
      [`POST /api/orders/${ORDER_ID}/confirm`]: () => {
        confirmed = true;
        return makeOrder({ status: 'CONFIRMED', items: [item()] });
      },
      'GET /api/products': () => products,
      'GET /api/customers': () => customers,
      'GET /api/shipments': () => [],
      'GET /api/invoices': () => [],
    });
    render(<OrderView orderId={ORDER_ID} pollMs={20} />);
    const confirm = await screen.findByRole('button', { name: 'Confirm order' });
    fireEvent.click(confirm);
    await waitFor(() => expect(screen.getByRole('listitem', { current: 'step' }).textContent).toContain('COMPLETED'), {
      timeout: 2000,
    });
    expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/confirm'))).toBe(true);
    await sleep(40);
    const count = orderGets(calls);
    await sleep(120);
    expect(orderGets(calls)).toBe(count);
    expect(screen.getByText(/nothing more to do/)).toBeTruthy();
  });

  it('shows a 409 problem from confirm in plain words and keeps the order', async () => {
    fakeApi({
      [`GET /api/orders/${ORDER_ID}`]: () => makeOrder({ items: [item()] }),
      [`POST /api/orders/${ORDER_ID}/confirm`]: () =>
        problem(409, 'Conflict', 'The order cannot be confirmed: an item is not reserved.'),
      'GET /api/products': () => products,
      'GET /api/customers': () => customers,
    });
    render(<OrderView orderId={ORDER_ID} pollMs={20} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Confirm order' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Conflict');
    expect(alert.textContent).toContain('an item is not reserved');
    expect(screen.getByText('Keyboard')).toBeTruthy();
  });

  it('disables confirm while an item is rejected and shows the reason', async () => {
    const rejected = item({ status: 'REJECTED', reservationId: 'r1' });
    fakeApi({
      [`GET /api/orders/${ORDER_ID}`]: () => makeOrder({ items: [rejected] }),
      'GET /api/reservations': () => [
        { reservationId: 'r1', itemId: rejected.itemId, status: 'REJECTED', reason: 'not enough stock: 5 available' },
      ],
      'GET /api/products': () => products,
      'GET /api/customers': () => customers,
    });
    render(<OrderView orderId={ORDER_ID} pollMs={20} />);
    const confirm = (await screen.findByRole('button', { name: 'Confirm order' })) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    expect(screen.getByText(/Remove the rejected items/)).toBeTruthy();
    await screen.findByText(/not enough stock: 5 available/);
  });

  it('removes an item and cancels the order', async () => {
    let order = makeOrder({ items: [item()] , total: 9998 });
    const { calls } = fakeApi({
      [`GET /api/orders/${ORDER_ID}`]: () => order,
      [`DELETE /api/orders/${ORDER_ID}/items/${item().itemId}`]: () => {
        order = makeOrder({ items: [item({ status: 'CANCELED' })] });
        return order;
      },
      [`POST /api/orders/${ORDER_ID}/cancel`]: () => {
        order = makeOrder({ status: 'CANCELED', items: [item({ status: 'CANCELED' })] });
        return order;
      },
      'GET /api/products': () => products,
      'GET /api/customers': () => customers,
    });
    render(<OrderView orderId={ORDER_ID} pollMs={20} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Remove Keyboard from the order' }));
    await screen.findByText('CANCELED', { selector: '[data-status]' });
    expect(screen.queryByRole('button', { name: /Remove Keyboard/ })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel order' }));
    await waitFor(() => expect(screen.getByRole('listitem', { current: 'step' }).textContent).toContain('CANCELED'));
    expect(calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`)).toEqual([
      `DELETE /api/orders/${ORDER_ID}/items/${item().itemId}`,
      `POST /api/orders/${ORDER_ID}/cancel`,
    ]);
  });

  it('says why the flow canceled an order (a saga compensated it), and nothing for an order canceled by hand', async () => {
    let order = makeOrder({ status: 'CANCELED', reason: 'billing refused: the total is above 10000.00', items: [item({ status: 'CANCELED' })] });
    fakeApi({
      [`GET /api/orders/${ORDER_ID}`]: () => order,
      'GET /api/products': () => products,
      'GET /api/customers': () => customers,
    });
    const { unmount } = render(<OrderView orderId={ORDER_ID} pollMs={20} />);
    expect((await screen.findByTestId('cancel-reason')).textContent).toContain('billing refused: the total is above 10000.00');
    unmount();
    order = makeOrder({ status: 'CANCELED', items: [item({ status: 'CANCELED' })] });
    render(<OrderView orderId={ORDER_ID} pollMs={20} />);
    await screen.findAllByText('CANCELED', { selector: '[data-status]' });
    expect(screen.queryByTestId('cancel-reason')).toBeNull();
  });

  it('says so when the order does not exist', async () => {
    fakeApi({
      [`GET /api/orders/${ORDER_ID}`]: () => problem(404, 'Not Found', `order ${ORDER_ID} does not exist`),
      'GET /api/products': () => products,
      'GET /api/customers': () => customers,
    });
    render(<OrderView orderId={ORDER_ID} pollMs={20} />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('There is no such order');
    expect(alert.textContent).toContain('does not exist');
  });

  it('keeps showing the order and retries when a poll fails with 503', async () => {
    let n = 0;
    fakeApi({
      [`GET /api/orders/${ORDER_ID}`]: () => {
        n++;
        if (n === 1) return makeOrder({ status: 'CONFIRMED', items: [item()] });
        if (n === 2) return problem(503, 'Service Unavailable', 'ordering is down');
        return makeOrder({ status: 'COMPLETED', items: [item()] });
      },
      'GET /api/products': () => products,
      'GET /api/customers': () => customers,
      'GET /api/shipments': () => [],
      'GET /api/invoices': () => [],
    });
    render(<OrderView orderId={ORDER_ID} pollMs={20} />);
    await screen.findByText(/ordering is down/);
    expect(screen.getByText('Keyboard')).toBeTruthy();
    await waitFor(() => expect(screen.getByRole('listitem', { current: 'step' }).textContent).toContain('COMPLETED'), {
      timeout: 2000,
    });
    expect(screen.queryByText(/ordering is down/)).toBeNull();
  });

  it.each([
    ['sync', /does not move on by itself: confirm again/, false],
    ['async', /it moves on by itself/, true],
  ] as const)('after a failed confirm (%s) says what to do next', async (flow, words, watching) => {
    let status: Order['status'] = 'OPEN';
    fakeApi({
      [`GET /api/orders/${ORDER_ID}`]: () => makeOrder({ status, items: [item()] }),
      [`POST /api/orders/${ORDER_ID}/confirm`]: () => {
        status = 'SHIPPED';
        return problem(502, 'Bad Gateway', 'billing is unreachable');
      },
      'GET /api/products': () => products,
      'GET /api/customers': () => customers,
      'GET /api/shipments': () => [],
      'GET /api/invoices': () => [],
    });
    render(<OrderView orderId={ORDER_ID} pollMs={20} flow={flow} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Confirm order' }));
    await screen.findByText(/billing is unreachable/);
    expect((await screen.findByTestId('resume-hint')).textContent).toMatch(words);
    expect(!!screen.queryByText(/Watching the order/)).toBe(watching);
    expect(screen.getByRole('button', { name: 'Confirm again' })).toBeTruthy();
  });

  it('says to wait, not to remove, when a confirm meets a PENDING item', async () => {
    let pending = false;
    fakeApi({
      [`GET /api/orders/${ORDER_ID}`]: () => makeOrder({ items: [item({ status: pending ? 'PENDING' : 'RESERVED' })] }),
      [`POST /api/orders/${ORDER_ID}/confirm`]: () => {
        pending = true; // the view was stale: the item is PENDING again
        return problem(409, 'Conflict', `order ${ORDER_ID} cannot be confirmed: item x is PENDING, every item must be RESERVED (remove it first)`);
      },
      'GET /api/products': () => products,
      'GET /api/customers': () => customers,
    });
    render(<OrderView orderId={ORDER_ID} pollMs={20} flow="async" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Confirm order' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Wait until each one is RESERVED');
    expect(alert.textContent).not.toContain('remove it first');
    expect(alert.textContent).not.toContain(ORDER_ID);
  });
});
