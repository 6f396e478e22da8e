import { lazy, Suspense, useEffect, useRef } from 'react';
import { api, loginHref, probeEvents, setUnauthorizedHandler } from './api';
import { Loading } from './components/common';
import { SessionBar } from './components/SessionBar';
import { useAsync, useHash, useStoredState } from './hooks';
import { parseRoute, routeHref, type Route } from './routes';
import type { EventSourceFactory } from './views/LabPanel';
import type { Flow } from './views/OrderView';
import { Shop } from './views/Shop';

// The shop is the first view; every other view is its own chunk, loaded when first opened.
const OrdersList = lazy(() => import('./views/OrdersList').then((m) => ({ default: m.OrdersList })));
const OrderView = lazy(() => import('./views/OrderView').then((m) => ({ default: m.OrderView })));
const Documents = lazy(() => import('./views/Documents').then((m) => ({ default: m.Documents })));
const LabPanel = lazy(() => import('./views/LabPanel').then((m) => ({ default: m.LabPanel })));

const TABS: { view: Route['view']; label: string; href: string }[] = [
  { view: 'shop', label: 'Shop', href: '#/shop' },
  { view: 'orders', label: 'Orders', href: '#/orders' },
  { view: 'documents', label: 'Shipments & invoices', href: '#/documents' },
  { view: 'lab', label: 'Lab', href: '#/lab' },
];

const TITLES: Record<Route['view'], string> = {
  shop: 'Shop',
  orders: 'Orders',
  order: 'Order',
  documents: 'Shipments and invoices',
  lab: 'Lab panel',
};

export interface AppProps {
  pollMs?: number;
  createEventSource?: EventSourceFactory;
  /** How the app leaves for the login page (a spy in tests). */
  navigateTo?: (href: string) => void;
}

export function App({ pollMs, createEventSource, navigateTo }: AppProps) {
  const route = parseRoute(useHash());
  const [customerId, setCustomerId] = useStoredState('lab.customerId', '');
  const [currentOrderId, setCurrentOrderId] = useStoredState('lab.currentOrderId', '');
  const info = useAsync((s) => api.labInfo(s), [], 15000);
  const mainRef = useRef<HTMLElement>(null);

  // A security variant: who is logged in. The shop acts as the logged-in
  // customer; an admin chooses one. A 401 from the API sends the user to log in.
  const login = info.data?.features?.login === true;
  const session = useAsync(async (s) => (login ? api.session(s) : undefined), [login], login ? 60000 : undefined);
  const sessionCustomer = session.data?.customerId;
  useEffect(() => {
    if (!login) return;
    let sent = false;
    setUnauthorizedHandler(() => {
      if (sent) return;
      sent = true;
      (navigateTo ?? ((href: string) => window.location.assign(href)))(loginHref());
    });
    return () => setUnauthorizedHandler(undefined);
  }, [login, navigateTo]);
  useEffect(() => {
    if (sessionCustomer && sessionCustomer !== customerId) {
      setCurrentOrderId('');
      setCustomerId(sessionCustomer);
    }
  }, [sessionCustomer, customerId, setCustomerId, setCurrentOrderId]);

  // How the variant finishes an order: its features say (events = asynchronous); an
  // older gateway that does not say is asked whether it has an event stream.
  const said = info.data?.features?.events;
  // Asked only where it matters, in the order view, so that other views log no 404 for it.
  const wantFlow = route.view === 'order';
  const probe = useAsync(
    async () => (wantFlow && info.data && typeof said !== 'boolean' ? (await probeEvents()) === null : undefined),
    [!!info.data, said, wantFlow],
  );
  const events = typeof said === 'boolean' ? said : probe.data;
  const flow: Flow = events === undefined ? undefined : events ? 'async' : 'sync';
  const activeTab = route.view === 'order' ? 'orders' : route.view;
  const routeKey = routeHref(route);

  // Move focus to the new view's heading for keyboard and screen reader users.
  const first = useRef(true);
  useEffect(() => {
    document.title = `${TITLES[route.view]} · Microservice patterns lab`;
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [routeKey, route.view]);

  const go = (r: Route) => {
    window.location.hash = routeHref(r);
  };

  let view;
  switch (route.view) {
    case 'shop':
      view = (
        <Shop
          customerId={customerId}
          onCustomerChange={(id) => {
            if (id !== customerId) setCurrentOrderId('');
            setCustomerId(id);
          }}
          currentOrderId={currentOrderId}
          onCurrentOrderChange={setCurrentOrderId}
          pollMs={pollMs}
          login={login}
          session={session.data}
        />
      );
      break;
    case 'orders':
      view = <OrdersList />;
      break;
    case 'order':
      view = (
        <OrderView
          key={route.orderId}
          orderId={route.orderId}
          pollMs={pollMs}
          flow={flow}
          history={info.data?.features?.history}
          traceViewer={info.data?.links?.traces}
          onShopForOrder={(o) => {
            setCustomerId(o.customerId);
            setCurrentOrderId(o.orderId);
            go({ view: 'shop' });
          }}
        />
      );
      break;
    case 'documents':
      view = <Documents orderId={route.orderId} onFilter={(orderId) => go({ view: 'documents', orderId })} />;
      break;
    case 'lab':
      view = <LabPanel createEventSource={createEventSource} />;
      break;
  }

  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); mainRef.current?.focus(); }}>
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          <span className="brand-name">Microservice patterns lab</span>
          <span className="variant-chip" title="The running variant">
            {info.data ? (
              <>variant: <strong>{info.data.variant}</strong></>
            ) : info.error ? (
              info.error.status === 0 ? 'gateway unreachable' : 'variant unknown'
            ) : (
              'variant: …'
            )}
          </span>
        </div>
        <nav aria-label="Views">
          <ul className="tabs">
            {TABS.map((t) => (
              <li key={t.view}>
                <a href={t.href} aria-current={activeTab === t.view ? 'page' : undefined}>
                  {t.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {login ? <SessionBar session={session} /> : null}
      </header>
      <main id="main" ref={mainRef} tabIndex={-1} aria-labelledby="view-title">
        <h1 id="view-title">{TITLES[route.view]}</h1>
        <Suspense fallback={<Loading what="the view" />}>{view}</Suspense>
      </main>
    </>
  );
}
