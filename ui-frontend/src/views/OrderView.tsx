import { useEffect, useMemo, useState } from 'react';
import { api, toProblem } from '../api';
import { Id, Loading, Money, ProblemView, Section, StatusBadge } from '../components/common';
import { OrderTimeline } from '../components/Timeline';
import { formatTime } from '../format';
import { useAsync, useOrder } from '../hooks';
import type { Order, Problem, Product, Reservation } from '../types';
import { OrderHistory, OrderTraceFacts } from './OrderHistory';

/**
 * How the variant finishes a confirmed order: 'sync' in the confirm request
 * (a failure part-way waits for the client to confirm again), 'async' by
 * itself through events; undefined when the gateway does not say.
 */
export type Flow = 'sync' | 'async' | undefined;

interface OrderViewProps {
  orderId: string;
  pollMs?: number;
  flow?: Flow;
  /** Makes this order the shop's current order (to add more products). */
  onShopForOrder?: (order: Order) => void;
  /** features.history: the variant keeps the order's events (undefined: not known yet). */
  history?: boolean;
  /** The trace viewer's address, when one runs (links.traces). */
  traceViewer?: string;
}

/** A 409 of a confirm, said in words from the order's items (the server's detail names ids). */
export function confirmConflict(problem: Problem, order: Order | undefined): Problem {
  if (problem.status !== 409 || !order) return problem;
  const live = order.items.filter((i) => i.status !== 'CANCELED');
  if (live.some((i) => i.status === 'PENDING')) {
    return {
      title: 'An item is still PENDING',
      detail: 'The warehouse has not answered for every item yet. Wait until each one is RESERVED, then confirm.',
      status: 409,
    };
  }
  if (live.some((i) => i.status === 'REJECTED')) {
    return {
      title: 'A REJECTED item is in the order',
      detail: 'Remove the rejected items, then confirm.',
      status: 409,
    };
  }
  if (live.length === 0) {
    return { title: 'The order has no items', detail: 'Add at least one product, then confirm.', status: 409 };
  }
  return problem;
}

function confirmBlocker(order: Order): string | undefined {
  if (order.status !== 'OPEN') return undefined;
  const live = order.items.filter((i) => i.status !== 'CANCELED');
  if (live.length === 0) return 'Add at least one product before confirming.';
  if (live.some((i) => i.status === 'PENDING')) return 'Waiting for the warehouse to reserve every item.';
  if (live.some((i) => i.status === 'REJECTED')) return 'Remove the rejected items before confirming.';
  return undefined;
}

export function OrderView({ orderId, pollMs, onShopForOrder, flow, history, traceViewer }: OrderViewProps) {
  const { order, error, loading, polling, setOrder, refresh } = useOrder(orderId, pollMs);
  const products = useAsync((s) => api.products(s), []);
  const customers = useAsync((s) => api.customers(s), []);
  const [busy, setBusy] = useState<string>();
  const [actionProblem, setActionProblem] = useState<Problem>();
  const [reservations, setReservations] = useState<Reservation[]>([]);

  const productsById = useMemo(() => {
    const m = new Map<string, Product>();
    for (const p of products.data ?? []) m.set(p.productId, p);
    return m;
  }, [products.data]);

  // Reasons for rejections live on the warehouse's reservations.
  const rejectedSignature = (order?.items ?? [])
    .filter((i) => i.status === 'REJECTED')
    .map((i) => i.itemId)
    .join(',');
  useEffect(() => {
    if (!rejectedSignature) return;
    const ctrl = new AbortController();
    api.reservations(orderId, ctrl.signal).then(
      (list) => setReservations(list),
      () => undefined, // the reason is a nicety; the status is shown anyway
    );
    return () => ctrl.abort();
  }, [orderId, rejectedSignature]);

  // Shipment and invoice of this order, once it is on its way.
  const docsWanted = order?.status === 'SHIPPED' || order?.status === 'COMPLETED' || order?.status === 'CONFIRMED';
  const docs = useAsync(
    async (s) => {
      if (!docsWanted) return undefined;
      const [shipments, invoices] = await Promise.all([api.shipments(orderId, s), api.invoices(orderId, s)]);
      return { shipments, invoices };
    },
    [orderId, docsWanted, order?.status],
  );

  async function act(name: string, action: () => Promise<Order>) {
    setBusy(name);
    setActionProblem(undefined);
    try {
      setOrder(await action());
    } catch (err) {
      let problem = toProblem(err);
      if (name === 'confirm') {
        // Say why from the order as it is now, not in the server's ids.
        const now = await api.order(orderId).catch(() => order);
        problem = confirmConflict(problem, now);
      }
      setActionProblem(problem);
      refresh();
    } finally {
      setBusy(undefined);
    }
  }

  if (loading && !order) return <Loading what="the order" />;
  if (!order) {
    return error ? (
      <ProblemView
        problem={error}
        context={error.status === 404 ? 'There is no such order' : 'Could not load the order'}
        onRetry={refresh}
      />
    ) : (
      <Loading what="the order" />
    );
  }

  const customer = customers.data?.find((c) => c.customerId === order.customerId);
  const blocker = confirmBlocker(order);
  const isOpen = order.status === 'OPEN';
  const reasonFor = (itemId: string, reservationId?: string) =>
    reservations.find((r) => (reservationId && r.reservationId === reservationId) || r.itemId === itemId)?.reason;

  return (
    <div className="view">
      <p>
        <a href="#/orders">← All orders</a>
      </p>
      <Section
        title={`Order ${order.orderId.slice(0, 8)}`}
        id="order-title"
        actions={<StatusBadge status={order.status} />}
      >
        <OrderTimeline status={order.status} />
        {order.status === 'CANCELED' && order.reason ? (
          <p className="hint" data-testid="cancel-reason">
            Canceled by the flow, its earlier steps undone: {order.reason}
          </p>
        ) : null}
        <div aria-live="polite" className="poll-state">
          {polling && !(flow === 'sync' && (order.status === 'CONFIRMED' || order.status === 'SHIPPED')) ? (
            <p className="live">
              <span className="spinner" aria-hidden="true" />{' '}
              {order.status === 'OPEN' ? 'Waiting for the warehouse to answer…' : 'Watching the order: it moves on by itself…'}
            </p>
          ) : null}
        </div>
        {error ? <ProblemView problem={error} context="Could not refresh the order" onRetry={refresh} /> : null}
        <dl className="facts">
          <div>
            <dt>Order id</dt>
            <dd>
              <code className="id-full">{order.orderId}</code>
            </dd>
          </div>
          <div>
            <dt>Customer</dt>
            <dd>{customer ? `${customer.name} (${customer.email})` : <Id id={order.customerId} />}</dd>
          </div>
          {order.name ? (
            <div>
              <dt>Name</dt>
              <dd>{order.name}</dd>
            </div>
          ) : null}
          <div>
            <dt>Total</dt>
            <dd data-testid="order-total">
              <Money cents={order.total} currency={order.currency} />
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatTime(order.createdAt)}</dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd>{formatTime(order.updatedAt)}</dd>
          </div>
          <OrderTraceFacts orderId={order.orderId} viewer={traceViewer} />
        </dl>
      </Section>

      <Section title="Items" id="order-items">
        {order.items.length === 0 ? (
          <p className="hint">No items yet.</p>
        ) : (
          <table className="stack">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Quantity</th>
                <th scope="col">Unit price</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {order.items.map((item) => {
                const product = productsById.get(item.productId);
                const reason = item.status === 'REJECTED' ? reasonFor(item.itemId, item.reservationId) : undefined;
                const label = product?.name ?? item.productId;
                return (
                  <tr key={item.itemId} data-item-status={item.status}>
                    <td data-label="Product">{product ? product.name : <Id id={item.productId} />}</td>
                    <td data-label="Quantity">{item.quantity}</td>
                    <td data-label="Unit price">
                      <Money cents={item.unitPrice} currency={order.currency} />
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={item.status} />
                      {reason ? <span className="reason"> {reason}</span> : null}
                    </td>
                    <td data-label="">
                      {isOpen && item.status !== 'CANCELED' ? (
                        <button
                          type="button"
                          className="secondary small"
                          disabled={!!busy}
                          aria-label={busy === `remove-${item.itemId}` ? undefined : `Remove ${label} from the order`}
                          onClick={() => void act(`remove-${item.itemId}`, () => api.removeItem(order.orderId, item.itemId))}
                        >
                          {busy === `remove-${item.itemId}` ? 'Removing…' : 'Remove'}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>

      {actionProblem ? (
        <ProblemView problem={actionProblem} context="Not done" onDismiss={() => setActionProblem(undefined)} />
      ) : null}

      <Section title="Actions" id="order-actions">
        {isOpen ? (
          <>
            <div className="button-row">
              <button
                type="button"
                disabled={!!busy || !!blocker}
                aria-describedby={blocker ? 'confirm-blocker' : undefined}
                onClick={() => void act('confirm', () => api.confirmOrder(order.orderId))}
              >
                {busy === 'confirm' ? 'Confirming…' : 'Confirm order'}
              </button>
              <button
                type="button"
                className="danger"
                disabled={!!busy}
                onClick={() => void act('cancel', () => api.cancelOrder(order.orderId))}
              >
                {busy === 'cancel' ? 'Canceling…' : 'Cancel order'}
              </button>
              {onShopForOrder ? (
                <button type="button" className="secondary" onClick={() => onShopForOrder(order)}>
                  Add products
                </button>
              ) : null}
            </div>
            {blocker ? (
              <p className="hint" id="confirm-blocker">
                {blocker}
              </p>
            ) : null}
          </>
        ) : order.status === 'CONFIRMED' || order.status === 'SHIPPED' ? (
          <>
            <p className="hint" data-testid="resume-hint">
              {flow === 'sync'
                ? `The order is ${order.status}, but the confirm stopped part-way (a service failed). In this variant it does not move on by itself: confirm again to finish it.`
                : flow === 'async'
                  ? 'The order is on its way: it moves on by itself. If a step failed part-way, confirming again resumes it.'
                  : 'If the order does not move on by itself, a step failed part-way: confirm again to finish it.'}
            </p>
            <button
              type="button"
              className={flow === 'sync' ? undefined : 'secondary'}
              disabled={!!busy}
              onClick={() => void act('confirm', () => api.confirmOrder(order.orderId))}
            >
              {busy === 'confirm' ? 'Confirming again…' : 'Confirm again'}
            </button>
          </>
        ) : (
          <p className="hint">This order is {order.status}: nothing more to do.</p>
        )}
      </Section>

      <OrderHistory order={order} history={history} />

      {docsWanted ? (
        <Section title="Shipment and invoice" id="order-docs">
          {docs.loading && !docs.data ? <Loading what="shipment and invoice" /> : null}
          {docs.error ? <ProblemView problem={docs.error} context="Could not load them" onRetry={docs.reload} /> : null}
          {docs.data ? (
            <ul className="doc-list">
              {docs.data.shipments.length === 0 ? <li>No shipment yet.</li> : null}
              {docs.data.shipments.map((s) => (
                <li key={s.shipmentId}>
                  Shipment <Id id={s.shipmentId} /> <StatusBadge status={s.status} /> to {s.address}
                  {s.shippedAt ? `, shipped ${formatTime(s.shippedAt)}` : ''}
                </li>
              ))}
              {docs.data.invoices.length === 0 ? <li>No invoice yet.</li> : null}
              {docs.data.invoices.map((inv) => (
                <li key={inv.invoiceId}>
                  Invoice <Id id={inv.invoiceId} /> <StatusBadge status={inv.status} />{' '}
                  <Money cents={inv.amount} currency={inv.currency} />, issued {formatTime(inv.issuedAt)}
                </li>
              ))}
            </ul>
          ) : null}
          <p>
            <a href={`#/documents?orderId=${order.orderId}`}>Open in shipments and invoices</a>
          </p>
        </Section>
      ) : null}
    </div>
  );
}
