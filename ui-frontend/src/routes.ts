/** Hash routes, so the gateway only has to serve index.html at "/". */
export type Route =
  | { view: 'shop' }
  | { view: 'orders' }
  | { view: 'order'; orderId: string }
  | { view: 'documents'; orderId: string }
  | { view: 'lab' };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path, queryString = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(queryString);
  switch (parts[0]) {
    case 'orders':
      return parts[1] ? { view: 'order', orderId: parts[1] } : { view: 'orders' };
    case 'documents':
      return { view: 'documents', orderId: params.get('orderId') ?? '' };
    case 'lab':
      return { view: 'lab' };
    default:
      return { view: 'shop' };
  }
}

export function routeHref(route: Route): string {
  switch (route.view) {
    case 'shop':
      return '#/shop';
    case 'orders':
      return '#/orders';
    case 'order':
      return `#/orders/${encodeURIComponent(route.orderId)}`;
    case 'documents':
      return route.orderId ? `#/documents?orderId=${encodeURIComponent(route.orderId)}` : '#/documents';
    case 'lab':
      return '#/lab';
  }
}
