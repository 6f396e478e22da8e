import { useEffect, useMemo, useState } from 'react';
import { api, toProblem } from '../api';
import { ListState, Id, Loading, Money, ProblemView, Section, StatusBadge } from '../components/common';
import { useAsync, useOrder } from '../hooks';
import type { Problem, Product } from '../types';

interface ShopProps {
  customerId: string;
  onCustomerChange: (customerId: string) => void;
  currentOrderId: string;
  onCurrentOrderChange: (orderId: string) => void;
  pollMs?: number;
}

export function Shop({ customerId, onCustomerChange, currentOrderId, onCurrentOrderChange, pollMs }: ShopProps) {
  const customers = useAsync((s) => api.customers(s), []);
  const products = useAsync((s) => api.products(s), []);
  const current = useOrder(currentOrderId || undefined, pollMs);
  const [quantities, setQuantities] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string>();
  const [problem, setProblem] = useState<Problem>();
  const [notice, setNotice] = useState<string>();

  const productsById = useMemo(() => {
    const m = new Map<string, Product>();
    for (const p of products.data ?? []) m.set(p.productId, p);
    return m;
  }, [products.data]);

  // An order of another customer is not this customer's current order.
  const order = current.order && current.order.customerId === customerId ? current.order : undefined;
  const openOrder = order && order.status === 'OPEN' ? order : undefined;

  // Stock moves when an item of the current order settles: show it.
  const itemSignature = (order?.items ?? []).map((i) => `${i.itemId}:${i.status}`).join(',');
  const reloadProducts = products.reload;
  useEffect(() => {
    if (itemSignature) reloadProducts();
  }, [itemSignature, reloadProducts]);

  async function startOrder(): Promise<string | undefined> {
    setProblem(undefined);
    setNotice(undefined);
    setBusy('new-order');
    try {
      const created = await api.createOrder(customerId);
      onCurrentOrderChange(created.orderId);
      current.setOrder(created);
      setNotice(`Started order ${created.orderId.slice(0, 8)}.`);
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
    try {
      let orderId = openOrder?.orderId;
      if (!orderId) {
        const created = await api.createOrder(customerId);
        onCurrentOrderChange(created.orderId);
        current.setOrder(created);
        orderId = created.orderId;
      }
      const item = await api.addItem(orderId, product.productId, quantity);
      setNotice(`Added ${quantity} × ${product.name}: ${item.status}.`);
      current.refresh();
      products.reload();
    } catch (err) {
      setProblem(toProblem(err));
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
        {customers.loading && !customers.data ? <Loading what="customers" /> : null}
        {customers.error ? (
          <ProblemView problem={customers.error} context="Could not load customers" onRetry={customers.reload} />
        ) : null}
        {customers.data ? (
          <div className="field">
            <label htmlFor="customer-select">Shop as</label>
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
            {selectedCustomer ? <p className="hint">Ships to: {selectedCustomer.address}</p> : null}
          </div>
        ) : null}
      </Section>

      {selectedCustomer ? (
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
        {notice ? <p className="notice">{notice}</p> : null}
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
        <ListState state={products} what="products" empty="No products." />
        {!selectedCustomer && products.data ? (
          <p className="hint">Choose a customer to add products to an order.</p>
        ) : null}
        <ul className="product-grid" aria-label="Products">
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
                  <button
                    type="button"
                    onClick={() => void addToOrder(p)}
                    disabled={!selectedCustomer || !!busy}
                    aria-label={`Add ${p.name} to the order`}
                  >
                    {busy === p.productId ? 'Adding…' : 'Add to order'}
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      </Section>
    </div>
  );
}
