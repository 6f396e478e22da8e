/**
 * The trace ids of each order's creation and confirm, from the gateway's
 * traceparent answers (W3C Trace Context), kept in localStorage so that the
 * order view shows them after a reload.
 */

export type TraceStep = 'created' | 'confirmed';
export type OrderTraces = Partial<Record<TraceStep, string>>;

const KEY = 'lab.traces';
/** Enough for a workshop; the oldest orders are forgotten first. */
const MAX_ORDERS = 200;

/** The trace id of a traceparent header ("00-<32 hex>-<16 hex>-<2 hex>"), or undefined. */
export function traceIdOf(traceparent: string | null | undefined): string | undefined {
  if (!traceparent) return undefined;
  const m = /^\s*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})\s*$/.exec(traceparent);
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]) || /^0+$/.test(m[3])) return undefined;
  return m[2];
}

function load(): Record<string, OrderTraces> {
  try {
    const raw = window.localStorage.getItem(KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, OrderTraces>) : {};
  } catch {
    return {};
  }
}

const listeners = new Set<() => void>();

/** Notifies fn whenever a trace id is remembered; returns the unsubscribe. */
export function onTraces(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function rememberTrace(orderId: string, step: TraceStep, traceId: string) {
  const all = load();
  const entry = { ...(all[orderId] ?? {}), [step]: traceId };
  delete all[orderId];
  all[orderId] = entry; // the newest last
  const ids = Object.keys(all);
  for (const old of ids.slice(0, Math.max(0, ids.length - MAX_ORDERS))) delete all[old];
  try {
    window.localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // storage unavailable: the id is shown only while this page lives
  }
  memory[orderId] = entry;
  for (const fn of listeners) fn();
}

const memory: Record<string, OrderTraces> = {};

export function tracesOf(orderId: string): OrderTraces {
  return { ...(load()[orderId] ?? {}), ...(memory[orderId] ?? {}) };
}

/** The viewer's page of one trace (otel-desktop-viewer: <viewer>/traces/<traceId>). */
export function traceHref(viewer: string, traceId: string): string {
  return `${viewer.replace(/\/+$/, '')}/traces/${traceId}`;
}
