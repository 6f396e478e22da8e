import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from './routes';

describe('hash routes', () => {
  it.each([
    ['', { view: 'shop' }],
    ['#/shop', { view: 'shop' }],
    ['#/orders', { view: 'orders' }],
    ['#/orders/abc-1', { view: 'order', orderId: 'abc-1' }],
    ['#/documents', { view: 'documents', orderId: '' }],
    ['#/documents?orderId=o1', { view: 'documents', orderId: 'o1' }],
    ['#/lab', { view: 'lab' }],
    ['#/nonsense', { view: 'shop' }],
  ])('%s', (hash, want) => {
    expect(parseRoute(hash)).toEqual(want);
  });

  it('round-trips', () => {
    for (const r of [{ view: 'order', orderId: 'x' }, { view: 'documents', orderId: 'y' }] as const) {
      expect(parseRoute(routeHref(r))).toEqual(r);
    }
  });
});
