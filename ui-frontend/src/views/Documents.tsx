import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import { ListState, Id, LoadMore, Money, Section, StatusBadge } from '../components/common';
import { formatTime, newestFirst } from '../format';
import { usePagedList } from '../hooks';

/** Shipments and invoices, all of them or those of one order. */
export function Documents({
  orderId,
  onFilter,
  refreshMs = 5000,
}: {
  orderId: string;
  onFilter: (orderId: string) => void;
  refreshMs?: number;
}) {
  const [draft, setDraft] = useState(orderId);
  useEffect(() => setDraft(orderId), [orderId]);
  const shipments = usePagedList((s) => api.shipmentsPage(orderId || undefined, s), [orderId], (x) => x.shipmentId, refreshMs);
  const invoices = usePagedList((s) => api.invoicesPage(orderId || undefined, s), [orderId], (x) => x.invoiceId, refreshMs);

  function submit(e: FormEvent) {
    e.preventDefault();
    onFilter(draft.trim());
  }

  return (
    <div className="view">
      <form className="filters" onSubmit={submit} aria-label="Filter by order">
        <div className="field grow">
          <label htmlFor="docs-order">Order id</label>
          <input
            id="docs-order"
            type="text"
            value={draft}
            placeholder="all orders"
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => setDraft(e.target.value)}
          />
        </div>
        <div className="button-row">
          <button type="submit">Filter</button>
          {orderId ? (
            <button type="button" className="secondary" onClick={() => onFilter('')}>
              Show all
            </button>
          ) : null}
        </div>
      </form>
      {orderId ? (
        <p className="hint">
          Showing the order <a href={`#/orders/${orderId}`}>{orderId}</a>.
        </p>
      ) : null}

      <Section
        title="Invoices"
        id="invoices-title"
        actions={
          <button type="button" className="secondary" onClick={invoices.reload}>
            Refresh
          </button>
        }
      >
        <ListState state={invoices} what="invoices" empty="No invoices." />
        {invoices.data && invoices.data.length > 0 ? (
          <table className="stack" aria-labelledby="invoices-title">
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Order</th>
                <th scope="col">Customer</th>
                <th scope="col">Amount</th>
                <th scope="col">Status</th>
                <th scope="col">Issued</th>
              </tr>
            </thead>
            <tbody>
              {newestFirst(invoices.data, (i) => i.issuedAt).map((inv) => (
                <tr key={inv.invoiceId} data-order-id={inv.orderId}>
                  <td data-label="Invoice">
                    <Id id={inv.invoiceId} />
                    {inv.lines && inv.lines.length > 0 ? (
                      <details>
                        <summary>{inv.lines.length} line{inv.lines.length === 1 ? '' : 's'}</summary>
                        <ul className="lines">
                          {inv.lines.map((l, i) => (
                            <li key={i}>
                              {l.quantity} × <Id id={l.productId} /> at <Money cents={l.unitPrice} currency={inv.currency} />
                            </li>
                          ))}
                        </ul>
                      </details>
                    ) : null}
                  </td>
                  <td data-label="Order">
                    <a href={`#/orders/${inv.orderId}`}>
                      <span className="visually-hidden">Open order </span>
                      <code>{inv.orderId.slice(0, 8)}</code>
                    </a>
                  </td>
                  <td data-label="Customer">{inv.customerName}</td>
                  <td data-label="Amount">
                    <Money cents={inv.amount} currency={inv.currency} />
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={inv.status} />
                  </td>
                  <td data-label="Issued">{formatTime(inv.issuedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <LoadMore state={invoices} what="invoices" />
      </Section>

      <Section
        title="Shipments"
        id="shipments-title"
        actions={
          <button type="button" className="secondary" onClick={shipments.reload}>
            Refresh
          </button>
        }
      >
        <ListState state={shipments} what="shipments" empty="No shipments." />
        {shipments.data && shipments.data.length > 0 ? (
          <table className="stack" aria-labelledby="shipments-title">
            <thead>
              <tr>
                <th scope="col">Shipment</th>
                <th scope="col">Order</th>
                <th scope="col">Address</th>
                <th scope="col">Items</th>
                <th scope="col">Status</th>
                <th scope="col">Shipped</th>
              </tr>
            </thead>
            <tbody>
              {newestFirst(shipments.data, (s) => s.createdAt).map((s) => (
                <tr key={s.shipmentId} data-order-id={s.orderId}>
                  <td data-label="Shipment">
                    <Id id={s.shipmentId} />
                  </td>
                  <td data-label="Order">
                    <a href={`#/orders/${s.orderId}`}>
                      <span className="visually-hidden">Open order </span>
                      <code>{s.orderId.slice(0, 8)}</code>
                    </a>
                  </td>
                  <td data-label="Address">{s.address}</td>
                  <td data-label="Items">{(s.items ?? []).reduce((n, i) => n + i.quantity, 0)}</td>
                  <td data-label="Status">
                    <StatusBadge status={s.status} />
                  </td>
                  <td data-label="Shipped">{s.shippedAt ? formatTime(s.shippedAt) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <LoadMore state={shipments} what="shipments" />
      </Section>
    </div>
  );
}
