import { useState } from 'react';
import { api } from '../api';
import { ListState, LoadMore, Money, Section, StatusBadge } from '../components/common';
import { formatTime, newestFirst } from '../format';
import { useAsync, usePagedList } from '../hooks';

const STATUSES = ['OPEN', 'CONFIRMED', 'SHIPPED', 'COMPLETED', 'CANCELED'];

export function OrdersList({ refreshMs = 5000 }: { refreshMs?: number }) {
  const [customerId, setCustomerId] = useState('');
  const [status, setStatus] = useState('');
  const orders = usePagedList(
    (s) => api.ordersPage({ customerId, status }, s),
    [customerId, status],
    (o) => o.orderId,
    refreshMs,
  );
  const customers = useAsync((s) => api.customers(s), []);
  const nameOf = (id: string) => customers.data?.find((c) => c.customerId === id)?.name ?? id.slice(0, 8);
  const list = newestFirst(orders.data ?? [], (o) => o.createdAt);

  return (
    <div className="view">
      <Section
        title="Orders"
        id="orders-title"
        actions={
          <button type="button" className="secondary" onClick={orders.reload}>
            Refresh
          </button>
        }
      >
        <div className="filters">
          <div className="field">
            <label htmlFor="orders-customer">Customer</label>
            <select id="orders-customer" value={customerId} onChange={(e) => setCustomerId(e.target.value)}>
              <option value="">All customers</option>
              {(customers.data ?? []).map((c) => (
                <option key={c.customerId} value={c.customerId}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="orders-status">Status</label>
            <select id="orders-status" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">Any status</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ListState state={orders} what="orders" empty="No orders yet. Start one in the shop." count={list.length} />
        {list.length > 0 ? (
          <table className="stack">
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Customer</th>
                <th scope="col">Status</th>
                <th scope="col">Items</th>
                <th scope="col">Total</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.map((o) => (
                <tr key={o.orderId} data-order-id={o.orderId}>
                  <td data-label="Order">
                    <a href={`#/orders/${o.orderId}`}>
                      <span className="visually-hidden">Open order </span>
                      <code>{o.orderId.slice(0, 8)}</code>
                      {o.name ? ` ${o.name}` : ''}
                    </a>
                  </td>
                  <td data-label="Customer">{nameOf(o.customerId)}</td>
                  <td data-label="Status">
                    <StatusBadge status={o.status} />
                  </td>
                  <td data-label="Items">{o.items?.filter((i) => i.status !== 'CANCELED').length ?? 0}</td>
                  <td data-label="Total">
                    <Money cents={o.total} currency={o.currency} />
                  </td>
                  <td data-label="Created">{formatTime(o.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <LoadMore state={orders} what="orders" />
      </Section>
    </div>
  );
}
