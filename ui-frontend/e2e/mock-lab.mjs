#!/usr/bin/env node
// A small in-memory stand-in for the lab gateway, for working on the UI
// without the Go services. It follows the API contract closely enough
// for the UI and its end-to-end suite; it is not a variant of the lab.
//
//   node e2e/mock-lab.mjs [--variant rest|circuit-breaker|event-notification|event-carried-state-transfer] [--port 8080]
//
// rest, circuit-breaker: items answer RESERVED/REJECTED at once; confirm completes the order.
// event-*: items answer PENDING and move on by themselves; /api/lab/events streams CloudEvents
// (ids only for event-notification, whole resources for event-carried-state-transfer).
// circuit-breaker also has /api/lab/faults/{service} and its breakers at /api/lab/patterns.
// /api/lab/info says what each mock has in its features, as the gateway does.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const variant = args.variant ?? 'rest';
const port = Number(args.port ?? 8080);
const host = args.host ?? '127.0.0.1';
const asyncMode = variant.startsWith('event-');
const fat = variant === 'event-carried-state-transfer';
const hasFaults = variant === 'circuit-breaker';
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const STEP_MS = Number(args.step ?? 300);

const now = () => new Date().toISOString();
const id = (prefix, n) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;

const customers = [
  ['Ada Lovelace', 'ada@example.org', '12 Analytical Way, London'],
  ['Alan Turing', 'alan@example.org', '1 Bletchley Park, Milton Keynes'],
  ['Grace Hopper', 'grace@example.org', '3 Compiler Road, Arlington'],
].map(([name, email, address], i) => ({ customerId: id('c0000000', i + 1), name, email, address, createdAt: now() }));

const products = [
  ['KB-001', 'Mechanical keyboard', 'Tactile switches', 8999],
  ['MS-002', 'Wireless mouse', 'Two buttons and a wheel', 2999],
  ['MN-003', 'Monitor 27"', 'A big screen', 24900],
  ['HD-004', 'Headset', 'Noise cancelling', 12900],
  ['CB-005', 'USB-C cable', 'One metre', 999],
  ['DK-006', 'Docking station', 'Many ports', 15900],
].map(([code, name, description, price], i) => ({
  productId: id('p0000000', i + 1), code, name, description, stock: 100, price, currency: 'EUR',
}));
products.push({
  productId: id('p0000000', 99), code: 'LMP-RARE', name: 'Limited lamp', description: 'Only five made',
  stock: 5, price: 4500, currency: 'EUR',
});

const orders = new Map();
const reservations = [];
const shipments = [];
const invoices = [];
const faults = Object.fromEntries(
  ['customers', 'ordering', 'warehouse', 'shipping', 'billing'].map((s) => [
    s, { errorRate: 0, errorStatus: 503, latencyMs: 0, latencyJitterMs: 0, down: '' },
  ]),
);
const sseClients = new Set();

function emit(type, source, subject, resource, ids) {
  if (!asyncMode) return;
  const event = {
    specversion: '1.0', id: randomUUID(), source, type, time: now(), subject,
    datacontenttype: 'application/json', data: fat ? resource : ids,
  };
  for (const res of sseClients) res.write(`data: ${JSON.stringify(event)}\n\n`);
}

function problem(res, status, title, detail, extra = {}) {
  const body = JSON.stringify({ type: 'about:blank', title, status, detail, instance: res.req.url, ...extra });
  res.writeHead(status, { 'Content-Type': 'application/problem+json' });
  res.end(body);
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function total(order) {
  return order.items.filter((i) => i.status === 'RESERVED').reduce((s, i) => s + i.quantity * i.unitPrice, 0);
}

function touch(order) {
  order.updatedAt = now();
  order.total = total(order);
}

function reserve(order, item) {
  const product = products.find((p) => p.productId === item.productId);
  const ok = product.stock >= item.quantity;
  if (ok) product.stock -= item.quantity;
  const r = {
    reservationId: randomUUID(), orderId: order.orderId, itemId: item.itemId, productId: item.productId,
    quantity: item.quantity, unitPrice: product.price, currency: 'EUR', status: ok ? 'RESERVED' : 'REJECTED',
    reason: ok ? undefined : `not enough stock: ${product.stock} available, ${item.quantity} wanted`,
    createdAt: now(), updatedAt: now(),
  };
  reservations.push(r);
  item.status = r.status;
  item.reservationId = r.reservationId;
  touch(order);
  emit('reservation.changed', '/warehouse', r.reservationId, r, { reservationId: r.reservationId, orderId: order.orderId });
  if (ok) emit('product.changed', '/warehouse', product.productId, product, { productId: product.productId });
}

function cancelReservation(item) {
  const r = reservations.find((x) => x.itemId === item.itemId);
  if (!r || r.status === 'CANCELED') return;
  if (r.status === 'RESERVED') products.find((p) => p.productId === r.productId).stock += r.quantity;
  r.status = 'CANCELED';
  r.updatedAt = now();
}

function fulfil(order) {
  for (const i of order.items) {
    const r = reservations.find((x) => x.itemId === i.itemId);
    if (r && r.status === 'RESERVED') r.status = 'CONFIRMED';
  }
  const customer = customers.find((c) => c.customerId === order.customerId);
  const live = order.items.filter((i) => i.status === 'RESERVED');
  const shipment = {
    shipmentId: randomUUID(), orderId: order.orderId, customerId: order.customerId, address: customer.address,
    items: live.map((i) => ({ productId: i.productId, quantity: i.quantity })), status: 'SHIPPED',
    createdAt: now(), shippedAt: now(),
  };
  const ship = () => {
    shipments.push(shipment);
    order.status = 'SHIPPED';
    touch(order);
    emit('shipment.shipped', '/shipping', shipment.shipmentId, shipment, { shipmentId: shipment.shipmentId, orderId: order.orderId });
    emit('order.shipped', '/ordering', order.orderId, order, { orderId: order.orderId });
  };
  const bill = () => {
    const invoice = {
      invoiceId: randomUUID(), orderId: order.orderId, customerId: order.customerId, customerName: customer.name,
      amount: order.total, currency: 'EUR', lines: live.map((i) => ({ productId: i.productId, quantity: i.quantity, unitPrice: i.unitPrice })),
      status: 'ISSUED', issuedAt: now(),
    };
    invoices.push(invoice);
    order.status = 'COMPLETED';
    touch(order);
    emit('invoice.issued', '/billing', invoice.invoiceId, invoice, { invoiceId: invoice.invoiceId, orderId: order.orderId });
    emit('order.completed', '/ordering', order.orderId, order, { orderId: order.orderId });
  };
  if (asyncMode) {
    setTimeout(ship, STEP_MS);
    setTimeout(bill, STEP_MS * 2);
  } else {
    ship();
    bill();
  }
}

async function body(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  if (chunks.length === 0) return {};
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const SERVICE_OF = { customers: 'customers', products: 'warehouse', reservations: 'warehouse', orders: 'ordering', shipments: 'shipping', invoices: 'billing' };

async function api(req, res, url) {
  const parts = url.pathname.split('/').filter(Boolean).slice(1); // drop "api"
  const m = req.method;
  const q = url.searchParams;
  const [root, rid, sub, subId] = parts;

  if (root === 'lab') {
    if (rid === 'info' && m === 'GET') {
      return send(res, 200, {
        variant,
        base: hasFaults ? 'rest' : variant,
        patterns: hasFaults ? ['circuit-breaker'] : [],
        features: { events: asyncMode, faults: hasFaults, patterns: hasFaults, history: false, login: false, metrics: false },
        services: Object.keys(faults).map((name, i) => ({ name, url: `http://127.0.0.1:${8081 + i}`, healthy: faults[name].down === '' })),
      });
    }
    if (rid === 'events' && asyncMode && m === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      sseClients.add(res);
      req.on('close', () => sseClients.delete(res));
      return;
    }
    if (rid === 'faults' && hasFaults && faults[sub]) {
      if (m === 'GET') return send(res, 200, faults[sub]);
      if (m === 'PUT') {
        const b = await body(req);
        if (typeof b.errorRate !== 'number' || b.errorRate < 0 || b.errorRate > 1) {
          return problem(res, 400, 'Validation failed', 'The fault settings are not valid.', { errors: [{ field: 'errorRate', message: 'must be from 0 to 1' }] });
        }
        faults[sub] = { ...faults[sub], ...b };
        return send(res, 200, faults[sub]);
      }
    }
    if (rid === 'patterns' && m === 'GET') {
      const state = (name) => (faults[name].down || faults[name].errorRate >= 0.5 ? 'open' : 'closed');
      const row = (name) => [name, state(name), 0, 0, state(name) === 'open' ? 5000 : 0];
      return send(res, 200, {
        variant,
        patterns: hasFaults
          ? [
              {
                name: 'circuit-breaker',
                category: 'reliability',
                description: 'ordering stops calling a failing service for a while and fails fast',
                services: [
                  {
                    service: 'ordering',
                    columns: ['callee', 'state', 'failures', 'rejected', 'retryAfterMs'],
                    rows: ['warehouse', 'shipping', 'billing'].map(row),
                  },
                ],
              },
            ]
          : [],
      });
    }
    return problem(res, 404, 'Not Found', `${url.pathname} does not exist in the ${variant} variant`);
  }

  const service = SERVICE_OF[root];
  if (!service) return problem(res, 404, 'Not Found', `no route for ${url.pathname}`);
  const f = faults[service];
  if (f.down) return problem(res, 502, 'Bad Gateway', `${service} is not reachable`);
  if (f.errorRate > 0 && Math.random() < f.errorRate) return problem(res, f.errorStatus, 'Injected fault', `${service} failed on purpose`);
  if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs + Math.random() * f.latencyJitterMs));

  if (root === 'customers' && m === 'GET') {
    if (!rid) return send(res, 200, customers);
    const c = customers.find((x) => x.customerId === rid);
    return c ? send(res, 200, c) : problem(res, 404, 'Not Found', `customer ${rid} does not exist`);
  }
  if (root === 'products' && m === 'GET') {
    if (!rid) return send(res, 200, q.get('code') ? products.filter((p) => p.code === q.get('code')) : products);
    const p = products.find((x) => x.productId === rid);
    return p ? send(res, 200, p) : problem(res, 404, 'Not Found', `product ${rid} does not exist`);
  }
  if (root === 'reservations' && m === 'GET') {
    return send(res, 200, reservations.filter((r) => !q.get('orderId') || r.orderId === q.get('orderId')).toReversed());
  }
  if (root === 'shipments' && m === 'GET') {
    return send(res, 200, shipments.filter((s) => !q.get('orderId') || s.orderId === q.get('orderId')).toReversed());
  }
  if (root === 'invoices' && m === 'GET') {
    return send(res, 200, invoices.filter((s) => !q.get('orderId') || s.orderId === q.get('orderId')).toReversed());
  }
  if (root !== 'orders') return problem(res, 405, 'Method Not Allowed', `${m} is not allowed on ${url.pathname}`);

  if (!rid) {
    if (m === 'GET') {
      const list = [...orders.values()].filter(
        (o) => (!q.get('customerId') || o.customerId === q.get('customerId')) && (!q.get('status') || o.status === q.get('status')),
      );
      return send(res, 200, list.toReversed());
    }
    if (m === 'POST') {
      const b = await body(req);
      if (!customers.some((c) => c.customerId === b.customerId)) {
        return problem(res, 400, 'Validation failed', 'The order is not valid.', { errors: [{ field: 'customerId', message: 'no such customer' }] });
      }
      const o = { orderId: randomUUID(), customerId: b.customerId, name: b.name ?? '', description: b.description ?? '', status: 'OPEN', items: [], total: 0, currency: 'EUR', createdAt: now(), updatedAt: now() };
      orders.set(o.orderId, o);
      emit('order.created', '/ordering', o.orderId, o, { orderId: o.orderId });
      return send(res, 201, o, { Location: `/api/orders/${o.orderId}` });
    }
  }
  const order = orders.get(rid);
  if (!order) return problem(res, 404, 'Not Found', `order ${rid} does not exist`);
  if (!sub && m === 'GET') return send(res, 200, order);
  if (sub === 'items' && !subId && m === 'POST') {
    const b = await body(req);
    const product = products.find((p) => p.productId === b.productId);
    const errors = [];
    if (!product) errors.push({ field: 'productId', message: 'no such product' });
    if (!Number.isInteger(b.quantity) || b.quantity < 1 || b.quantity > 1000) errors.push({ field: 'quantity', message: 'must be a whole number from 1 to 1000' });
    if (errors.length) return problem(res, 400, 'Validation failed', 'The item is not valid.', { errors });
    if (order.status !== 'OPEN') return problem(res, 409, 'Conflict', `the order is ${order.status}, items can only be added while it is OPEN`);
    if (order.items.some((i) => i.productId === b.productId && i.status !== 'CANCELED')) return problem(res, 409, 'Conflict', 'the product is already in the order');
    const item = { itemId: randomUUID(), productId: b.productId, quantity: b.quantity, unitPrice: product.price, status: 'PENDING' };
    order.items.push(item);
    touch(order);
    emit('order.item-added', '/ordering', order.orderId, order, { orderId: order.orderId, itemId: item.itemId });
    if (asyncMode) setTimeout(() => reserve(order, item), STEP_MS);
    else reserve(order, item);
    return send(res, 201, item, { Location: `/api/orders/${order.orderId}/items/${item.itemId}` });
  }
  if (sub === 'items' && subId && m === 'DELETE') {
    const item = order.items.find((i) => i.itemId === subId);
    if (!item) return problem(res, 404, 'Not Found', `item ${subId} is not in the order`);
    if (order.status !== 'OPEN') return problem(res, 409, 'Conflict', `the order is ${order.status}`);
    cancelReservation(item);
    item.status = 'CANCELED';
    touch(order);
    emit('order.item-removed', '/ordering', order.orderId, order, { orderId: order.orderId, itemId: item.itemId });
    return send(res, 200, order);
  }
  if (sub === 'confirm' && m === 'POST') {
    if (order.status === 'CONFIRMED' || order.status === 'SHIPPED') return send(res, 200, order);
    if (order.status !== 'OPEN') return problem(res, 409, 'Conflict', `an order that is ${order.status} cannot be confirmed`);
    const live = order.items.filter((i) => i.status !== 'CANCELED');
    if (live.length === 0 || live.some((i) => i.status !== 'RESERVED')) {
      return problem(res, 409, 'Conflict', 'every item must be RESERVED before the order can be confirmed');
    }
    order.status = 'CONFIRMED';
    touch(order);
    emit('order.confirmed', '/ordering', order.orderId, order, { orderId: order.orderId });
    fulfil(order);
    return send(res, 200, order);
  }
  if (sub === 'cancel' && m === 'POST') {
    if (order.status !== 'OPEN') return problem(res, 409, 'Conflict', `an order that is ${order.status} cannot be canceled`);
    for (const i of order.items) {
      cancelReservation(i);
      i.status = 'CANCELED';
    }
    order.status = 'CANCELED';
    touch(order);
    emit('order.canceled', '/ordering', order.orderId, order, { orderId: order.orderId });
    return send(res, 200, order);
  }
  return problem(res, 405, 'Method Not Allowed', `${m} is not allowed on ${url.pathname}`);
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };

async function staticFile(res, pathname) {
  const rel = normalize(pathname === '/' ? '/index.html' : pathname).replace(/^(\.\.[/\\])+/, '');
  try {
    const data = await readFile(join(dist, rel));
    res.writeHead(200, { 'Content-Type': TYPES[extname(rel)] ?? 'application/octet-stream' });
    res.end(data);
  } catch {
    problem(res, 404, 'Not Found', pathname === '/' ? 'dist/ is missing: run "npm run build"' : `${pathname} not found`);
  }
}

const server = createServer((req, res) => {
  const url = new URL(req.url, `http://${req.headers.host ?? 'localhost'}`);
  const handle = url.pathname.startsWith('/api/') ? api(req, res, url) : staticFile(res, url.pathname);
  handle.catch((err) => {
    if (!res.headersSent) problem(res, 400, 'Bad Request', String(err.message ?? err));
  });
});
server.listen(port, host, () => {
  console.log(`mock lab (${variant}) on http://${host}:${port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const r of sseClients) r.end();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  });
}
