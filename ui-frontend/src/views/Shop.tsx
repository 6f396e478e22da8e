import { useEffect, useMemo, useState } from 'react';
import { api, ApiError, toProblem } from '../api';
import { ListState, Id, Loading, LoadMore, Money, ProblemView, Section, StatusBadge } from '../components/common';
import { useAsync, useOrder, usePagedList } from '../hooks';
import type { ItemStatus, Order, Problem, Product, Session } from '../types';

/** What the shop says after an add, in the words of the item's status. */
export type AddNotice = { kind: 'ok' | 'wait' | 'warn'; text: string };

export function addNotice(quantity: number, name: string, status: ItemStatus): AddNotice {
  switch (status) {
    case 'RESERVED':
      return { kind: 'ok', text: `Added ${quantity} × ${name}: RESERVED.` };
    case 'PENDING':
      return { kind: 'wait', text: `Added ${quantity} × ${name}: PENDING. The warehouse answers in a moment.` };
    case 'REJECTED':
      return {
        kind: 'warn',
        text: `Not reserved: the warehouse REJECTED ${quantity} × ${name} (not enough stock). Remove it from the order before confirming.`,
      };
    default:
      return { kind: 'warn', text: `Added ${quantity} × ${name}: ${status}.` };
  }
}

/**
 * A 409 for an add, said in words: the product is in the order already (an
 * order holds each product once), or the order is no longer open.
 */
export function addConflict(product: Product, order: Order | undefined): Problem {
  const item = order?.items.find((i) => i.productId === product.productId && i.status !== 'CANCELED');
  if (item) {
    return {
      title: `${product.name} is already in this order (${item.quantity} ×)`,
      detail:
        'An order holds each product once. To change the quantity, remove the item in the order view, then add it again with the quantity you want.',
      status: 409,
    };
  }
  return {
    title: 'This order no longer takes products',
    detail: 'It is not OPEN any more, or the product is in it already. Start a new order to add it.',
    status: 409,
  };
}

interface ShopProps {
  customerId: string;
  onCustomerChange: (customerId: string) => void;
  currentOrderId: string;
  onCurrentOrderChange: (orderId: string) => void;
  pollMs?: number;
  /** A security variant: the shop acts as the logged-in customer, or an admin chooses one. */
  login?: boolean;
  session?: Session;
}

export function Shop({ customerId, onCustomerChange, currentOrderId, onCurrentOrderChange, pollMs, login, session }: ShopProps) {
  // A customer shops as themself; only an admin (or an open variant) chooses.
  const actsAs = login && session?.customerId ? session.customerId : undefined;
  const customers = useAsync((s) => api.customers(s), []);
  const products = usePagedList((s) => api.productsPage(s), [], (p) => p.productId);
  const current = useOrder(currentOrderId || undefined, pollMs);
  const [quantities, setQuantities] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string>();
  const [problem, setProblem] = useState<Problem>();
  const [notice, setNotice] = useState<AddNotice>();
  // The item added last: its notice follows it while it is PENDING.
  const [lastAdd, setLastAdd] = useState<{ itemId: string; quantity: number; name: string; status: ItemStatus }>();

  const productsById = useMemo(() => {
    const m = new Map<string, Product>();
    for (const p of products.data ?? []) m.set(p.productId, p);
    return m;
  }, [products.data]);

  // An order of another customer is not this customer's current order.
  const order = current.order && current.order.customerId === customerId ? current.order : undefined;
  const openOrder = order && order.status === 'OPEN' ? order : undefined;

  // A PENDING add that settles (asynchronous variants) is announced again.
  const lastStatus = lastAdd ? order?.items.find((i) => i.itemId === lastAdd.itemId)?.status : undefined;
  useEffect(() => {
    if (!lastAdd || !lastStatus || lastStatus === lastAdd.status || lastAdd.status !== 'PENDING') return;
    if (lastStatus === 'RESERVED' || lastStatus === 'REJECTED') {
      setNotice(addNotice(lastAdd.quantity, lastAdd.name, lastStatus));
      setLastAdd({ ...lastAdd, status: lastStatus });
    }
  }, [lastAdd, lastStatus]);

  // Stock moves when an item of the current order settles: show it.
  const itemSignature = (order?.items ?? []).map((i) => `${i.itemId}:${i.status}`).join(',');
  const reloadProducts = products.reload;
  useEffect(() => {
    if (itemSignature) reloadProducts();
  }, [itemSignature, reloadProducts]);

  async function startOrder(): Promise<string | undefined> {
    setProblem(undefined);
    setNotice(undefined);
    setLastAdd(undefined);
    setBusy('new-order');
    try {
      const created = await api.createOrder(customerId);
      onCurrentOrderChange(created.orderId);
      current.setOrder(created);
      setNotice({ kind: 'ok', text: `Started order ${created.orderId.slice(0, 8)}.` });
      return created.orderId;
    } catch (err) {
      setProblem(toProblem(err));
      return undefined;
    } finally {
      setBusy(undefined);
    }
  }

  async function addToOrder(product: Product) {
    const raw = (quantities[product.productId] ?? '1').trim();
    // The ordering service validates the quantity (1..1000) and answers a
    // problem document with field errors, which is shown as it is.
    const quantity = raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : 0;
    setProblem(undefined);
    setNotice(undefined);
    setBusy(product.productId);
    let target = openOrder;
    try {
      let orderId = openOrder?.orderId;
      if (!orderId) {
        const created = await api.createOrder(customerId);
        onCurrentOrderChange(created.orderId);
        current.setOrder(created);
        orderId = created.orderId;
        target = created;
      }
      const item = await api.addItem(orderId, product.productId, quantity);
      setNotice(addNotice(item.quantity ?? quantity, product.name, item.status));
      setLastAdd({ itemId: item.itemId, quantity: item.quantity ?? quantity, name: product.name, status: item.status });
      setQuantities((q) => {
        const rest = { ...q };
        delete rest[product.productId];
        return rest;
      });
      current.refresh();
      products.reload();
    } catch (err) {
      setProblem(err instanceof ApiError && err.status === 409 ? addConflict(product, target) : toProblem(err));
      current.refresh();
      products.reload();
    } finally {
      setBusy(undefined);
    }
  }

  const customerList = customers.data ?? [];
  const selectedCustomer = customerList.find((c) => c.customerId === customerId);

  return (
    <div className="view">
      <Section title="Customer" id="shop-customer">
        {customers.loading && !customers.data ? (
          // The same field, disabled and unnamed, so that nothing moves when the customers arrive.
          <div className="field">
            <label aria-hidden="true">Shop as</label>
            <select disabled aria-hidden="true" tabIndex={-1} value="">
              <option value="">Loading customers…</option>
            </select>
            <p className="hint loading-line loading" role="status">
              Loading customers…
            </p>
          </div>
        ) : null}
        {customers.error ? (
          <ProblemView problem={customers.error} context="Could not load customers" onRetry={customers.reload} />
        ) : null}
        {customers.data && actsAs ? (
          <div className="field" data-testid="shop-as">
            <p>
              Shopping as <strong>{selectedCustomer?.name ?? session?.name ?? session?.user}</strong>, the logged-in customer.
            </p>
            <p className="hint">
              {selectedCustomer ? `Ships to: ${selectedCustomer.address}` : 'Your customer record is loading…'}
            </p>
          </div>
        ) : null}
        {customers.data && !actsAs ? (
          <div className="field">
            <label htmlFor="customer-select">{login ? 'Act as customer' : 'Shop as'}</label>
            <select
              id="customer-select"
              value={selectedCustomer ? customerId : ''}
              onChange={(e) => onCustomerChange(e.target.value)}
            >
              <option value="">Choose a customer…</option>
              {customerList.map((c) => (
                <option key={c.customerId} value={c.customerId}>
                  {c.name} ({c.email})
                </option>
              ))}
            </select>
            <p className="hint">
              {selectedCustomer
                ? `Ships to: ${selectedCustomer.address}`
                : login
                  ? 'As admin you may act as any customer: choose one.'
                  : 'Choose who you shop as.'}
            </p>
          </div>
        ) : null}
      </Section>

      {selectedCustomer || (customerId && customers.loading && !customers.data) ? (
        <Section
          title="Current order"
          id="shop-order"
          actions={
            <button type="button" className="secondary" onClick={() => void startOrder()} disabled={!!busy}>
              Start a new order
            </button>
          }
        >
          {current.loading && !order ? <Loading what="the order" /> : null}
          {current.error && currentOrderId ? (
            <ProblemView problem={current.error} context="Could not load the current order" onRetry={current.refresh} />
          ) : null}
          {order ? (
            <div className="current-order" data-testid="current-order">
              <p>
                Order <Id id={order.orderId} /> <StatusBadge status={order.status} /> · total{' '}
                <Money cents={order.total} currency={order.currency} />{' '}
                {current.polling ? (
                  <span className="live" role="status">
                    updating…
                  </span>
                ) : null}
              </p>
              {order.items.length === 0 ? (
                <p className="hint">No items yet. Add a product below.</p>
              ) : (
                <ul className="item-list" aria-label="Items in the current order">
                  {order.items.map((i) => (
                    <li key={i.itemId} data-item-status={i.status}>
                      <span>
                        {i.quantity} × {productsById.get(i.productId)?.name ?? <Id id={i.productId} />}
                      </span>{' '}
                      <StatusBadge status={i.status} />
                    </li>
                  ))}
                </ul>
              )}
              <p>
                <a className="button-link" href={`#/orders/${order.orderId}`}>
                  {order.status === 'OPEN' ? 'Review and confirm the order' : 'Open the order'}
                </a>
              </p>
              {order.status !== 'OPEN' ? (
                <p className="hint">This order is {order.status}; adding a product starts a new order.</p>
              ) : null}
            </div>
          ) : !current.loading && !current.error ? (
            <p className="hint">No open order. Adding a product starts one.</p>
          ) : null}
        </Section>
      ) : null}

      <div aria-live="polite" className="notice-area">
        {notice ? (
          <p className={`notice notice-${notice.kind}`} data-kind={notice.kind}>
            {notice.text}
          </p>
        ) : null}
      </div>
      {problem ? (
        <ProblemView problem={problem} context="Not done" onDismiss={() => setProblem(undefined)} />
      ) : null}

      <Section
        title="Products"
        id="shop-products"
        actions={
          <button type="button" className="secondary" onClick={products.reload}>
            Refresh
          </button>
        }
      >
        {!customerId || (customers.data && !selectedCustomer) ? (
          <p className="hint">Choose a customer to add products to an order.</p>
        ) : null}
        <ListState state={products} what="products" empty="No products." placeholder={<ProductSkeletons />} />
        <ul className="product-grid" aria-label="Products" aria-busy={products.loading && !products.data}>
          {(products.data ?? []).map((p) => {
            const qid = `qty-${p.productId}`;
            return (
              <li key={p.productId} className="product" data-code={p.code}>
                <h3>{p.name}</h3>
                <p className="product-code">
                  <code>{p.code}</code>
                </p>
                {p.description ? <p className="product-desc">{p.description}</p> : null}
                <p className="product-facts">
                  <Money cents={p.price} currency={p.currency} />
                  <span className={p.stock > 0 ? 'stock' : 'stock stock-out'}>
                    {p.stock > 0 ? `${p.stock} in stock` : 'out of stock'}
                  </span>
                </p>
                <div className="product-add">
                  <label htmlFor={qid}>Quantity</label>
                  <input
                    id={qid}
                    type="number"
                    inputMode="numeric"
                    min={1}
                    max={1000}
                    step={1}
                    value={quantities[p.productId] ?? '1'}
                    onChange={(e) => setQuantities((q) => ({ ...q, [p.productId]: e.target.value }))}
                  />
                  {/* The accessible name starts with the visible text (WCAG 2.5.3, label in name). */}
                  <button
                    type="button"
                    onClick={() => void addToOrder(p)}
                    disabled={!selectedCustomer || !!busy}
                    aria-label={busy === p.productId ? undefined : `Add to order: ${p.name}`}
                  >
                    {busy === p.productId ? 'Adding…' : 'Add to order'}
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
        <LoadMore state={products} what="products" />
      </Section>
    </div>
  );
}

/** Cards of the size of a product, shown while the catalogue loads, so nothing moves when it arrives. */
function ProductSkeletons({ count = 13 }: { count?: number }) {
  return (
    <div className="product-grid product-skeletons" aria-hidden="true">
      {Array.from({ length: count }, (_, i) => (
        <div key={i} className="product product-skeleton">
          <h3>&nbsp;</h3>
          <p className="product-code">
            <code>&nbsp;</code>
          </p>
          <p className="product-desc">&nbsp;</p>
          <p className="product-facts">
            <span className="money">&nbsp;</span>
          </p>
          <div className="product-add">
            <span className="skeleton-field" />
            <span className="skeleton-button" />
          </div>
        </div>
      ))}
    </div>
  );
}
