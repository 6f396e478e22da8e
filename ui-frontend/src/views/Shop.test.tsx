import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { customers, fakeApi, makeOrder, problem, products } from '../test/fakeApi';
import type { Order, OrderItem } from '../types';
import { Shop } from './Shop';

function Harness({ pollMs = 20 }: { pollMs?: number }) {
  const [customerId, setCustomerId] = useState('');
  const [orderId, setOrderId] = useState('');
  return (
    <Shop
      customerId={customerId}
      onCustomerChange={setCustomerId}
      currentOrderId={orderId}
      onCurrentOrderChange={setOrderId}
      pollMs={pollMs}
    />
  );
}

/** A small in-memory ordering service; async=true answers PENDING first. */
function backend({ async = false, reject = false } = {}) {
  let order: Order | undefined;
  let polls = 0;
  const stock = new Map(products.map((p) => [p.productId, p.stock]));
  const api = fakeApi({
    'GET /api/customers': () => customers,
    'GET /api/products': () => products.map((p) => ({ ...p, stock: stock.get(p.productId) })),
    'POST /api/orders': ({ body }) => {
      order = makeOrder({ customerId: (body as { customerId: string }).customerId });
      return new Response(JSON.stringify(order), { status: 201, headers: { 'Content-Type': 'application/json' } });
    },
    'POST /api/orders/*': ({ body, path }) => {
      if (!order || !path.endsWith('/items')) return problem(404, 'Not Found');
      const { productId, quantity } = body as { productId: string; quantity: number };
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000) {
        return problem(400, 'Bad Request', 'the request has invalid fields', {
          errors: [{ field: 'quantity', message: 'must be between 1 and 1000' }],
        });
      }
      if (order.items.some((i) => i.productId === productId)) {
        return problem(409, 'Conflict', 'The product is already in the order.');
      }
      const item: OrderItem = {
        itemId: `item-${order.items.length + 1}`,
        productId,
        quantity,
        unitPrice: 4999,
        status: async ? 'PENDING' : reject ? 'REJECTED' : 'RESERVED',
      };
      if (!async && !reject) stock.set(productId, (stock.get(productId) ?? 0) - quantity);
      order = { ...order, items: [...order.items, item] };
      return new Response(JSON.stringify(item), { status: 201, headers: { 'Content-Type': 'application/json' } });
    },
    'GET /api/orders/*': () => {
      if (!order) return problem(404, 'Not Found');
      if (async && order.items.some((i) => i.status === 'PENDING') && ++polls >= 3) {
        order = { ...order, items: order.items.map((i) => ({ ...i, status: reject ? ('REJECTED' as const) : ('RESERVED' as const) })) };
        if (!reject) for (const i of order.items) stock.set(i.productId, (stock.get(i.productId) ?? 0) - i.quantity);
      }
      return order;
    },
  });
  return { ...api, get order() { return order; } };
}

describe('Shop', () => {
  it('creates an order for the chosen customer and adds a product with a quantity', async () => {
    const { calls } = backend();
    render(<Harness />);
    const select = await screen.findByLabelText('Shop as');
    const addButton = (await screen.findByRole('button', { name: 'Add to order: Keyboard' })) as HTMLButtonElement;
    expect(addButton.disabled).toBe(true); // no customer yet
    fireEvent.change(select, { target: { value: customers[1].customerId } });
    expect(screen.getByText(/Ships to: 2 Bletchley Park/)).toBeTruthy();
    expect(screen.getByText('€49.99')).toBeTruthy();

    const card = screen.getByRole('button', { name: 'Add to order: Keyboard' }).closest('li')!;
    fireEvent.change(within(card).getByLabelText('Quantity'), { target: { value: '3' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Add to order: Keyboard' }));

    await screen.findByText('Added 3 × Keyboard: RESERVED.');
    const items = await screen.findByRole('list', { name: 'Items in the current order' });
    expect(items.textContent).toContain('3 × Keyboard');
    await waitFor(() => expect(within(card).getByText('117 in stock')).toBeTruthy());
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts.map((c) => c.path)).toEqual(['/api/orders', `/api/orders/${makeOrder().orderId}/items`]);
    expect(posts[0].body).toEqual({ customerId: customers[1].customerId });
    expect(posts[1].body).toEqual({ productId: products[0].productId, quantity: 3 });
    expect(screen.getByRole('link', { name: 'Review and confirm the order' }).getAttribute('href')).toBe(
      `#/orders/${makeOrder().orderId}`,
    );
  });

  it('resets the quantity field after an add', async () => {
    backend();
    render(<Harness />);
    fireEvent.change(await screen.findByLabelText('Shop as'), { target: { value: customers[0].customerId } });
    const card = (await screen.findByRole('button', { name: 'Add to order: Keyboard' })).closest('li')!;
    const qty = within(card).getByLabelText('Quantity') as HTMLInputElement;
    fireEvent.change(qty, { target: { value: '4' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Add to order: Keyboard' }));
    await screen.findByText('Added 4 × Keyboard: RESERVED.');
    expect(qty.value).toBe('1');
  });

  it('does not announce a REJECTED add as a success', async () => {
    backend({ reject: true });
    render(<Harness />);
    fireEvent.change(await screen.findByLabelText('Shop as'), { target: { value: customers[0].customerId } });
    fireEvent.click(await screen.findByRole('button', { name: 'Add to order: Rare lamp' }));
    const notice = await screen.findByText(/REJECTED 1 × Rare lamp/);
    expect(notice.getAttribute('data-kind')).toBe('warn');
    expect(notice.textContent).not.toMatch(/^Added/);
  });

  it('says so when a PENDING add ends REJECTED (asynchronous variants)', async () => {
    backend({ async: true, reject: true });
    render(<Harness />);
    fireEvent.change(await screen.findByLabelText('Shop as'), { target: { value: customers[0].customerId } });
    fireEvent.click(await screen.findByRole('button', { name: 'Add to order: Rare lamp' }));
    expect((await screen.findByText(/^Added 1 × Rare lamp: PENDING/)).getAttribute('data-kind')).toBe('wait');
    const notice = await screen.findByText(/REJECTED 1 × Rare lamp/, undefined, { timeout: 2000 });
    expect(notice.getAttribute('data-kind')).toBe('warn');
  });

  it('watches a PENDING item until the warehouse reserves it (asynchronous variants)', async () => {
    backend({ async: true });
    render(<Harness />);
    fireEvent.change(await screen.findByLabelText('Shop as'), { target: { value: customers[0].customerId } });
    fireEvent.click(await screen.findByRole('button', { name: 'Add to order: Rare lamp' }));
    await screen.findByText(/^Added 1 × Rare lamp: PENDING\./);
    const items = await screen.findByRole('list', { name: 'Items in the current order' });
    await waitFor(() => expect(within(items).getByText('RESERVED')).toBeTruthy(), { timeout: 2000 });
    await waitFor(() => expect(screen.getByText('4 in stock')).toBeTruthy());
  });

  it('shows the conflict when the product is already in the order', async () => {
    backend();
    render(<Harness />);
    fireEvent.change(await screen.findByLabelText('Shop as'), { target: { value: customers[0].customerId } });
    const add = await screen.findByRole('button', { name: 'Add to order: Keyboard' });
    fireEvent.click(add);
    await screen.findByText('Added 1 × Keyboard: RESERVED.');
    await waitFor(() => expect((add as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(add);
    const alert = await screen.findByRole('alert');
    // said in words, without the ids of the server's detail
    expect(alert.textContent).toContain('Keyboard is already in this order (1 ×)');
    expect(alert.textContent).toContain('To change the quantity, remove the item');
    expect(alert.textContent).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
  });

  it("shows the service's field errors for a quantity outside 1..1000", async () => {
    const { calls } = backend();
    render(<Harness />);
    fireEvent.change(await screen.findByLabelText('Shop as'), { target: { value: customers[0].customerId } });
    const card = (await screen.findByRole('button', { name: 'Add to order: Keyboard' })).closest('li')!;
    fireEvent.change(within(card).getByLabelText('Quantity'), { target: { value: '1001' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Add to order: Keyboard' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Bad Request (HTTP 400)');
    expect(alert.textContent).toContain('the request has invalid fields');
    expect(within(alert).getByRole('list', { name: 'Field errors' }).textContent).toBe(
      'quantity: must be between 1 and 1000',
    );
    expect(calls.find((c) => c.path.endsWith('/items'))?.body).toEqual({ productId: products[0].productId, quantity: 1001 });
  });

  it('does not go blank when the warehouse is down', async () => {
    fakeApi({
      'GET /api/customers': () => customers,
      'GET /api/products': () => problem(502, 'Bad Gateway', 'warehouse did not answer'),
    });
    render(<Harness />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load products');
    expect(alert.textContent).toContain('warehouse did not answer');
    expect(screen.getByLabelText('Shop as')).toBeTruthy();
  });
});
