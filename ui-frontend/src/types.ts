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

export interface LabInfo {
  variant: string;
  services: ServiceHealth[];
  [extra: string]: unknown;
}

export type DownMode = '' | 'refuse' | 'hang';

export interface FaultSettings {
  errorRate: number;
  errorStatus: number;
  latencyMs: number;
  latencyJitterMs: number;
  down: DownMode;
}

export interface BreakerState {
  service: string;
  name: string;
  state: string;
  [extra: string]: unknown;
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
