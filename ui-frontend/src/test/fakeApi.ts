import { vi } from 'vitest';
import type { Customer, Order, Product } from '../types';

export type Handler = (req: { method: string; path: string; body: unknown; url: URL }) =>
  | Response
  | Promise<Response>
  | unknown;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export function problem(status: number, title: string, detail?: string, extra: Record<string, unknown> = {}): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title, status, detail, instance: '/x', ...extra }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

/**
 * Replaces fetch with a router: keys are "METHOD /path" (query ignored) or
 * "METHOD /path/*" prefixes. A handler answers a Response or a value sent as
 * JSON. Unknown routes answer a 404 problem. Returns the spy with the calls.
 */
export function fakeApi(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; search: string; body: unknown }[] = [];
  const spy = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://lab.test');
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, path: url.pathname, search: url.search, body });
    const key = `${method} ${url.pathname}`;
    let handler = routes[key];
    if (!handler) {
      const prefix = Object.keys(routes).find(
        (k) => k.endsWith('/*') && key.startsWith(k.slice(0, -1)),
      );
      if (prefix) handler = routes[prefix];
    }
    if (!handler) return problem(404, 'Not Found', `no route ${key}`);
    const out = await handler({ method, path: url.pathname, body, url });
    return out instanceof Response ? out : json(out);
  });
  vi.stubGlobal('fetch', spy);
  return { spy, calls };
}

export const customers: Customer[] = [
  {
    customerId: '11111111-0000-4000-8000-000000000001',
    name: 'Ada Lovelace',
    email: 'ada@example.org',
    address: '1 Analytical Way, London',
    createdAt: '2024-01-01T00:00:00Z',
  },
  {
    customerId: '11111111-0000-4000-8000-000000000002',
    name: 'Alan Turing',
    email: 'alan@example.org',
    address: '2 Bletchley Park',
    createdAt: '2024-01-01T00:00:00Z',
  },
];

export const products: Product[] = [
  {
    productId: '22222222-0000-4000-8000-000000000001',
    code: 'KB-01',
    name: 'Keyboard',
    description: 'A keyboard',
    stock: 120,
    price: 4999,
    currency: 'EUR',
  },
  {
    productId: '22222222-0000-4000-8000-000000000002',
    code: 'RARE-1',
    name: 'Rare lamp',
    description: 'Only a few',
    stock: 5,
    price: 1250,
    currency: 'EUR',
  },
];

export function makeOrder(patch: Partial<Order> = {}): Order {
  return {
    orderId: '33333333-0000-4000-8000-000000000001',
    customerId: customers[0].customerId,
    status: 'OPEN',
    items: [],
    total: 0,
    currency: 'EUR',
    createdAt: '2024-05-01T10:00:00Z',
    updatedAt: '2024-05-01T10:00:00Z',
    ...patch,
  };
}
