// Resource shapes from the lab's API contract. Fields a variant adds beyond
// these are ignored by the UI.

export interface Customer {
  customerId: string;
  name: string;
  email: string;
  address: string;
  createdAt: string;
}

export interface Product {
  productId: string;
  code: string;
  name: string;
  description: string;
  stock: number;
  price: number;
  currency: string;
}

export type ReservationStatus = 'RESERVED' | 'REJECTED' | 'CONFIRMED' | 'CANCELED';

export interface Reservation {
  reservationId: string;
  orderId: string;
  itemId: string;
  productId: string;
  quantity: number;
  unitPrice: number;
  currency: string;
  status: ReservationStatus;
  reason?: string;
  createdAt: string;
  updatedAt: string;
}

export type OrderStatus = 'OPEN' | 'CONFIRMED' | 'SHIPPED' | 'COMPLETED' | 'CANCELED';
export type ItemStatus = 'PENDING' | 'RESERVED' | 'REJECTED' | 'CANCELED';

export interface OrderItem {
  itemId: string;
  productId: string;
  quantity: number;
  unitPrice: number;
  status: ItemStatus;
  reservationId?: string;
}

export interface Order {
  orderId: string;
  customerId: string;
  name?: string;
  description?: string;
  status: OrderStatus;
  /** Why the order was canceled by the flow itself (a saga's compensation: messaging only). */
  reason?: string;
  items: OrderItem[];
  total: number;
  currency: string;
  createdAt: string;
  updatedAt: string;
}

export interface Shipment {
  shipmentId: string;
  orderId: string;
  customerId: string;
  address: string;
  items: { productId: string; quantity: number }[];
  status: 'PENDING' | 'SHIPPED' | string;
  createdAt: string;
  shippedAt?: string;
}

export interface Invoice {
  invoiceId: string;
  orderId: string;
  customerId: string;
  customerName: string;
  amount: number;
  currency: string;
  lines: { productId: string; quantity: number; unitPrice: number }[];
  status: 'ISSUED' | string;
  issuedAt: string;
}

export interface ServiceHealth {
  name: string;
  url?: string;
  healthy: boolean;
  [extra: string]: unknown;
}

/** What the running variant has; absent from an older gateway (then ask and tolerate a 404). */
export interface LabFeatures {
  events: boolean;
  faults: boolean;
  patterns: boolean;
  /** GET /api/orders/{orderId}/events and ?version=n (event sourcing). */
  history?: boolean;
  /** /auth/login, /auth/logout and GET /api/lab/session (a security pattern). */
  login?: boolean;
  /** GET /api/lab/metrics/query_range (Prometheus runs beside the variant). */
  metrics?: boolean;
  [extra: string]: unknown;
}

/** Where the viewers that run beside the variant are; each absent when none runs. */
export interface LabLinks {
  /** The trace viewer: <traces>/traces/<traceId> shows one trace. */
  traces?: string;
  /** Prometheus. */
  metrics?: string;
}

/** One instance of a service (several when the lab runs replicas). */
export interface InstanceHealth {
  url: string;
  healthy: boolean;
  /** The balancer sends it nothing for a while (it refused a connection). */
  out?: boolean;
}

export interface LabInfo {
  variant: string;
  services: ServiceHealth[];
  /** Every instance of each service, by service name. */
  instances?: Record<string, InstanceHealth[]>;
  /** The communication variant the patterns sit on (rest, event-notification …). */
  base?: string;
  /** The cross-cutting patterns of the variant (circuit-breaker, retry …). */
  patterns?: string[];
  features?: LabFeatures;
  links?: LabLinks;
  [extra: string]: unknown;
}

/** GET /api/lab/session: who is logged in (security variants). */
export interface Session {
  user: string;
  name?: string;
  roles: string[];
  customerId?: string;
}

/** One event of an order's stream (GET /api/orders/{orderId}/events, event sourcing). */
export interface StreamEvent {
  orderId: string;
  version: number;
  type: string;
  schemaVersion: number;
  storedSchemaVersion: number;
  recordedAt: string;
  data: Record<string, unknown>;
}

/** A Prometheus range query's answer (its data part). */
export interface MatrixResult {
  resultType: 'matrix' | string;
  result: { metric: Record<string, string>; values: [number, string][] }[];
}

export type DownMode = '' | 'refuse' | 'hang';

export interface FaultSettings {
  errorRate: number;
  errorStatus: number;
  latencyMs: number;
  latencyJitterMs: number;
  down: DownMode;
}

/** One cell of a pattern's state table. */
export type PatternCell = string | number | boolean | null;

/** One service's part of a pattern's state: a table, or why it could not be read. */
export interface PatternServiceState {
  service: string;
  columns?: string[];
  rows?: PatternCell[][];
  error?: string;
}

export interface PatternState {
  name: string;
  category?: string;
  description?: string;
  services: PatternServiceState[];
}

/** GET /api/lab/patterns: the state of every pattern of the running variant. */
export interface PatternsReport {
  variant: string;
  patterns: PatternState[];
}

/** One page of a list, and the URL of the next one when the server said there is more. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/** A CloudEvents 1.0 JSON document as delivered by /api/lab/events. */
export interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  data?: unknown;
  [extension: string]: unknown;
}

/** RFC 9457 problem details. */
export interface Problem {
  type?: string;
  title: string;
  status?: number;
  detail?: string;
  instance?: string;
  errors?: { field: string; message: string }[];
  [extra: string]: unknown;
}
