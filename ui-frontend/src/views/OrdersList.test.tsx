import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { customers, fakeApi, json, makeOrder } from '../test/fakeApi';
import { OrdersList } from './OrdersList';

const order = (n: number) =>
  makeOrder({ orderId: `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, '0')}`, createdAt: `2024-05-${String(30 - n).padStart(2, '0')}T00:00:00Z` });

describe('OrdersList', () => {
  it('shows the first page and loads the next one by the Link header, then no button', async () => {
    const { calls } = fakeApi({
      'GET /api/customers': () => customers,
      'GET /api/orders': ({ url }) =>
        url.searchParams.get('after') === 'p2'
          ? [order(3)]
          : json([order(1), order(2)], 200, { Link: '</api/orders?limit=2&after=p2>; rel="next"' }),
    });
    render(<OrdersList refreshMs={0} />);
    await waitFor(() => expect(screen.getAllByRole('link', { name: /^Open order/ })).toHaveLength(2));
    fireEvent.click(screen.getByRole('button', { name: 'Load more orders' }));
    await waitFor(() => expect(screen.getAllByRole('link', { name: /^Open order/ })).toHaveLength(3));
    expect(calls.some((c) => c.path === '/api/orders' && c.search === '?limit=2&after=p2')).toBe(true);
    expect(screen.queryByRole('button', { name: 'Load more orders' })).toBeNull();
  });

  it('has no Load more button when the server sends no Link header', async () => {
    fakeApi({ 'GET /api/customers': () => customers, 'GET /api/orders': () => [order(1)] });
    render(<OrdersList refreshMs={0} />);
    await screen.findByRole('link', { name: /^Open order/ });
    expect(screen.queryByRole('button', { name: /Load more/ })).toBeNull();
  });
});
