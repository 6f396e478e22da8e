import type {
  Customer,
  FaultSettings,
  Invoice,
  LabInfo,
  MatrixResult,
  Order,
  OrderItem,
  Page,
  PatternsReport,
  Problem,
  Product,
  Reservation,
  Session,
  Shipment,
  StreamEvent,
} from './types';
import { rememberTrace, traceIdOf } from './traces';

/** Every failed call ends in an ApiError that carries a problem document. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  /** Seconds from a Retry-After header, when the server sent one. */
  readonly retryAfter?: number;

  constructor(problem: Problem, status: number, retryAfter?: number) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** True when the endpoint does not exist in this variant. */
  get notFound(): boolean {
    return this.status === 404;
  }
}

/** Status 0 marks a request that never got an HTTP answer. */
export const NETWORK_ERROR = 0;

const plainTitles: Record<number, string> = {
  400: 'The request was not accepted',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict with the current state',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'A service behind the gateway failed',
  503: 'A service is unavailable',
  504: 'A service took too long to answer',
};

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.round((date - Date.now()) / 1000));
}

/** Turns any non-2xx answer into an ApiError, problem+json or not. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
  const contentType = res.headers.get('Content-Type') ?? '';
  let text = '';
  try {
    text = await res.text();
  } catch {
    // the body could not be read; the status alone must do
  }
  let problem: Problem | undefined;
  if (text && /json/i.test(contentType)) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const p = parsed as Partial<Problem> & { error?: unknown; message?: unknown };
        const title =
          typeof p.title === 'string' && p.title
            ? p.title
            : typeof p.error === 'string'
              ? p.error
              : plainTitles[res.status] ?? `HTTP ${res.status}`;
        const detail =
          typeof p.detail === 'string' ? p.detail : typeof p.message === 'string' ? p.message : undefined;
        problem = {
          ...p,
          title,
          detail,
          status: typeof p.status === 'number' ? p.status : res.status,
          errors: Array.isArray(p.errors)
            ? p.errors.filter(
                (e): e is { field: string; message: string } => !!e && typeof e === 'object',
              )
            : undefined,
        };
      }
    } catch {
      // not JSON after all; handled below
    }
  }
  if (!problem) {
    const snippet = text.trim().slice(0, 300);
    problem = {
      title: plainTitles[res.status] ?? `HTTP ${res.status} ${res.statusText}`.trim(),
      status: res.status,
      detail: snippet && !/^\s*</.test(snippet) ? snippet : undefined,
    };
  }
  return new ApiError(problem, res.status, retryAfter);
}

function networkError(err: unknown): ApiError {
  const reason = err instanceof Error && err.message ? ` (${err.message})` : '';
  return new ApiError(
    {
      title: 'The gateway could not be reached',
      detail: `No answer from the lab gateway${reason}. Is the lab running?`,
      status: NETWORK_ERROR,
    },
    NETWORK_ERROR,
  );
}

/**
 * Called with every 401 the API answers (but the session probe's) when set:
 * in a security variant the app sends the user to log in.
 */
let onUnauthorized: ((err: ApiError) => void) | undefined;
/** A 401 that came before anyone listened (the first views ask before the variant is known). */
let missed: ApiError | undefined;

export function setUnauthorizedHandler(handler: ((err: ApiError) => void) | undefined) {
  onUnauthorized = handler;
  const err = missed;
  missed = undefined;
  if (handler && err) handler(err);
}

function unauthorized(err: ApiError) {
  if (onUnauthorized) onUnauthorized(err);
  else missed = err;
}

/** Where the gateway starts a login that comes back to where the user is. */
export function loginHref(returnTo = window.location.pathname + window.location.search + window.location.hash): string {
  return `/auth/login?returnTo=${encodeURIComponent(returnTo.startsWith('/') ? returnTo : '/')}`;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 is the answer, not a reason to log in (the session probe). */
  quiet401?: boolean;
}

/** Calls the API on the same origin and returns the parsed JSON body. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await send<T>(path, options)).body;
}

/**
 * The URL of the next page from a Link header (RFC 8288), as a same-origin
 * path: a list answers `Link: <…?limit=100&after=…>; rel="next"` while more remain.
 */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!m) continue;
    const rels = /;\s*rel\s*=\s*("([^"]*)"|[^;\s]+)/i.exec(m[2]);
    const rel = (rels?.[2] ?? rels?.[1] ?? '').toLowerCase().split(/\s+/);
    if (!rel.includes('next')) continue;
    try {
      const url = new URL(m[1], window.location.href);
      return url.pathname + url.search;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** GETs one page of a list: the items, and the next page's path when the server sent one. */
export async function requestPage<T>(path: string, signal?: AbortSignal): Promise<Page<T>> {
  const { body, headers } = await send<T[]>(path, { signal });
  return { items: Array.isArray(body) ? body : [], next: nextLink(headers.get('Link')) };
}

async function send<T>(path: string, options: RequestOptions): Promise<{ body: T; headers: Headers }> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  const init: RequestInit = { method: options.method ?? 'GET', headers, signal: options.signal };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    if (err instanceof Error && err.name === 'AbortError') throw err;
    throw networkError(err);
  }
  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (err.status === 401 && !options.quiet401) unauthorized(err);
    throw err;
  }
  if (res.status === 204) return { body: undefined as T, headers: res.headers };
  const text = await res.text();
  if (!text) return { body: undefined as T, headers: res.headers };
  try {
    return { body: JSON.parse(text) as T, headers: res.headers };
  } catch {
    throw new ApiError(
      { title: 'Unreadable answer', detail: `${path} did not answer JSON.`, status: res.status },
      res.status,
    );
  }
}

/** Normalises anything thrown into a problem to show. */
export function toProblem(err: unknown): Problem {
  if (err instanceof ApiError) {
    return err.retryAfter !== undefined ? { ...err.problem, retryAfter: err.retryAfter } : err.problem;
  }
  if (err instanceof Error) return { title: 'Something went wrong', detail: err.message };
  return { title: 'Something went wrong', detail: String(err) };
}

const enc = encodeURIComponent;

function queryOf(params: Record<string, string>): string {
  return `?${new URLSearchParams(params).toString()}`;
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The one order in which the UI lists the services, everywhere. */
export const FAULT_SERVICES = ['customers', 'ordering', 'warehouse', 'shipping', 'billing'] as const;

/** Sorts by service name in the order of FAULT_SERVICES; unknown names go last, by name. */
export function byServiceOrder<T>(list: T[], name: (item: T) => string): T[] {
  // An instance of a scaled-out service (ordering-2) goes with its service.
  const rank = (n: string) => {
    const i = (FAULT_SERVICES as readonly string[]).indexOf(n.replace(/-\d+$/, ''));
    return i < 0 ? FAULT_SERVICES.length : i;
  };
  return [...list].sort((a, b) => rank(name(a)) - rank(name(b)) || name(a).localeCompare(name(b)));
}

export const api = {
  customers: (signal?: AbortSignal) => request<Customer[]>('/api/customers', { signal }),
  products: (signal?: AbortSignal) => request<Product[]>('/api/products', { signal }),
  productsPage: (signal?: AbortSignal) => requestPage<Product>('/api/products', signal),
  reservations: (orderId?: string, signal?: AbortSignal) =>
    request<Reservation[]>(`/api/reservations${query({ orderId })}`, { signal }),

  orders: (filter: { customerId?: string; status?: string } = {}, signal?: AbortSignal) =>
    request<Order[]>(`/api/orders${query(filter)}`, { signal }),
  ordersPage: (filter: { customerId?: string; status?: string } = {}, signal?: AbortSignal) =>
    requestPage<Order>(`/api/orders${query(filter)}`, signal),
  order: (orderId: string, signal?: AbortSignal) =>
    request<Order>(`/api/orders/${enc(orderId)}`, { signal }),
  createOrder: async (customerId: string, name?: string) => {
    const { body, headers } = await send<Order>('/api/orders', {
      method: 'POST',
      body: name ? { customerId, name } : { customerId },
    });
    const traceId = traceIdOf(headers.get('traceparent'));
    if (body?.orderId && traceId) rememberTrace(body.orderId, 'created', traceId);
    return body;
  },
  /** The order as it was after the first `version` events of its stream (event sourcing). */
  orderAt: (orderId: string, version: number, signal?: AbortSignal) =>
    request<Order>(`/api/orders/${enc(orderId)}?version=${version}`, { signal }),
  /** The order's stream of events, oldest first (event sourcing). */
  orderEvents: (orderId: string, signal?: AbortSignal) =>
    request<StreamEvent[]>(`/api/orders/${enc(orderId)}/events`, { signal }),
  addItem: (orderId: string, productId: string, quantity: number) =>
    request<OrderItem>(`/api/orders/${enc(orderId)}/items`, {
      method: 'POST',
      body: { productId, quantity },
    }),
  removeItem: (orderId: string, itemId: string) =>
    request<Order>(`/api/orders/${enc(orderId)}/items/${enc(itemId)}`, { method: 'DELETE' }),
  confirmOrder: async (orderId: string) => {
    const { body, headers } = await send<Order>(`/api/orders/${enc(orderId)}/confirm`, { method: 'POST' });
    const traceId = traceIdOf(headers.get('traceparent'));
    if (traceId) rememberTrace(orderId, 'confirmed', traceId);
    return body;
  },
  cancelOrder: (orderId: string) =>
    request<Order>(`/api/orders/${enc(orderId)}/cancel`, { method: 'POST' }),

  shipments: (orderId?: string, signal?: AbortSignal) =>
    request<Shipment[]>(`/api/shipments${query({ orderId })}`, { signal }),
  invoices: (orderId?: string, signal?: AbortSignal) =>
    request<Invoice[]>(`/api/invoices${query({ orderId })}`, { signal }),
  shipmentsPage: (orderId?: string, signal?: AbortSignal) =>
    requestPage<Shipment>(`/api/shipments${query({ orderId })}`, signal),
  invoicesPage: (orderId?: string, signal?: AbortSignal) =>
    requestPage<Invoice>(`/api/invoices${query({ orderId })}`, signal),
  /** Any further page, by the path a Link header gave. */
  page: <T>(path: string, signal?: AbortSignal) => requestPage<T>(path, signal),

  labInfo: (signal?: AbortSignal) => request<LabInfo>('/api/lab/info', { signal }),
  faults: (service: string, signal?: AbortSignal) =>
    request<FaultSettings>(`/api/lab/faults/${enc(service)}`, { signal }),
  setFaults: (service: string, settings: FaultSettings) =>
    request<FaultSettings>(`/api/lab/faults/${enc(service)}`, { method: 'PUT', body: settings }),
  patterns: (signal?: AbortSignal) => request<PatternsReport>('/api/lab/patterns', { signal }),
  /** Who is logged in; a 401 means nobody (and sends nobody to log in). */
  session: (signal?: AbortSignal) => request<Session>('/api/lab/session', { signal, quiet401: true }),
  /** A Prometheus range query through the gateway (start, end in seconds since the epoch). */
  metricsRange: async (query: string, start: number, end: number, step: number, signal?: AbortSignal) => {
    const body = await request<{ status: string; data: MatrixResult }>(
      `/api/lab/metrics/query_range${queryOf({ query, start: String(start), end: String(end), step: String(step) })}`,
      { signal },
    );
    return body.data;
  },
};

export const EVENTS_PATH = '/api/lab/events';

/**
 * Asks whether the event stream exists in this variant without keeping the
 * stream open: the request is aborted as soon as the headers are in.
 * Resolves to null when it exists, or to the ApiError (404 when the variant
 * has no broker).
 */
export async function probeEvents(): Promise<ApiError | null> {
  const ctrl = new AbortController();
  let res: Response;
  try {
    res = await fetch(EVENTS_PATH, { headers: { Accept: 'text/event-stream' }, signal: ctrl.signal });
  } catch (err) {
    return networkError(err);
  }
  if (res.ok) {
    ctrl.abort();
    return null;
  }
  return errorFromResponse(res);
}
