import { useCallback, useEffect, useRef, useState } from 'react';
import { api, toProblem } from './api';
import type { Order, Page, Problem } from './types';

export interface AsyncState<T> {
  data: T | undefined;
  error: Problem | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads data once per change of deps, and again on reload(). With refreshMs
 * it also refreshes in the background at that pace (keeping old data shown).
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
  refreshMs?: number,
): AsyncState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Problem>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let absent = false;
    setLoading(true);
    loadRef
      .current(ctrl.signal)
      .then(
        (value) => {
          if (ctrl.signal.aborted) return;
          setData(value);
          setError(undefined);
        },
        (err: unknown) => {
          if (ctrl.signal.aborted) return;
          const problem = toProblem(err);
          setError(problem);
          // An endpoint this variant lacks will not appear: stop asking.
          if (problem.status === 404) absent = true;
        },
      )
      .finally(() => {
        if (ctrl.signal.aborted) return;
        setLoading(false);
        if (refreshMs && !absent) timer = setTimeout(() => setTick((t) => t + 1), refreshMs);
      });
    return () => {
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick, refreshMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

export interface PagedState<T> extends AsyncState<T[]> {
  /** True while the server says more items remain (a Link rel="next" came). */
  hasMore: boolean;
  loadingMore: boolean;
  moreError: Problem | undefined;
  loadMore: () => void;
}

/**
 * A paginated list: the first page as useAsync loads (and refreshes) it, and
 * the pages after it on loadMore(), by the next link each page answered. A
 * refresh renews the first page and keeps the pages loaded after it (an item
 * that moved into the first page is shown once). New deps start again from
 * the first page.
 */
export function usePagedList<T>(
  load: (signal: AbortSignal) => Promise<Page<T>>,
  deps: unknown[],
  key: (item: T) => string,
  refreshMs?: number,
): PagedState<T> {
  const first = useAsync(load, deps, refreshMs);
  const [more, setMore] = useState<{ items: T[]; next?: string; started: boolean }>({ items: [], started: false });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<Problem>();
  const ctrlRef = useRef<AbortController | undefined>(undefined);

  useEffect(() => {
    ctrlRef.current?.abort();
    setMore({ items: [], started: false });
    setLoadingMore(false);
    setMoreError(undefined);
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps

  const next = more.started ? more.next : first.data?.next;
  const loadMore = useCallback(() => {
    if (!next) return;
    const ctrl = new AbortController();
    ctrlRef.current = ctrl;
    setLoadingMore(true);
    setMoreError(undefined);
    api.page<T>(next, ctrl.signal).then(
      (page) => {
        if (ctrl.signal.aborted) return;
        setMore((m) => ({ items: [...m.items, ...page.items], next: page.next, started: true }));
        setLoadingMore(false);
      },
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        setMoreError(toProblem(err));
        setLoadingMore(false);
      },
    );
  }, [next]);
  useEffect(() => () => ctrlRef.current?.abort(), []);

  let data: T[] | undefined;
  if (first.data) {
    const seen = new Set(first.data.items.map(key));
    data = [...first.data.items, ...more.items.filter((i) => !seen.has(key(i)))];
  }
  return {
    data,
    error: first.error,
    loading: first.loading,
    reload: first.reload,
    hasMore: !!next,
    loadingMore,
    moreError,
    loadMore,
  };
}

/** An order needs watching while an item is PENDING or it is on its way to COMPLETED. */
export function orderNeedsPolling(order: Order | undefined): boolean {
  if (!order) return false;
  if (order.status === 'CONFIRMED' || order.status === 'SHIPPED') return true;
  if (order.status === 'CANCELED' || order.status === 'COMPLETED') {
    return false;
  }
  return order.items.some((i) => i.status === 'PENDING');
}

export const DEFAULT_POLL_MS = 1000;

export interface OrderState {
  order: Order | undefined;
  error: Problem | undefined;
  loading: boolean;
  polling: boolean;
  /** Show the order an action answered, then fetch it again and watch it while it is unsettled. */
  setOrder: (order: Order) => void;
  refresh: () => void;
}

/**
 * Loads an order and polls GET /api/orders/{id} while it is unsettled
 * (see orderNeedsPolling). Polling stops as soon as it settles. After a
 * failed poll it keeps trying, more slowly, while the last known state is
 * unsettled.
 */
export function useOrder(orderId: string | undefined, pollMs = DEFAULT_POLL_MS): OrderState {
  const [order, setOrderState] = useState<Order>();
  const [error, setError] = useState<Problem>();
  const [loading, setLoading] = useState(false);
  // Bumped after every attempt; an unsettled order schedules the next one from it.
  const [attempt, setAttempt] = useState(0);
  const [failed, setFailed] = useState(false);
  const [wanted, setWanted] = useState(0);
  const orderRef = useRef<Order | undefined>(undefined);
  orderRef.current = order;

  // Load (or reload on refresh()).
  useEffect(() => {
    if (!orderId) {
      setOrderState(undefined);
      setError(undefined);
      return;
    }
    const ctrl = new AbortController();
    if (!orderRef.current || orderRef.current.orderId !== orderId) {
      setLoading(true);
      setOrderState(undefined);
    }
    api.order(orderId, ctrl.signal).then(
      (o) => {
        if (ctrl.signal.aborted) return;
        setOrderState(o);
        setError(undefined);
        setFailed(false);
        setLoading(false);
        setAttempt((a) => a + 1);
      },
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(toProblem(err));
        setFailed(true);
        setLoading(false);
        setAttempt((a) => a + 1);
      },
    );
    return () => ctrl.abort();
  }, [orderId, wanted]);

  const polling = !!orderId && orderNeedsPolling(order);
  const pollingRef = useRef(polling);
  pollingRef.current = polling;

  // After each finished attempt, schedule the next one while the order is unsettled.
  useEffect(() => {
    if (!pollingRef.current) return;
    const timer = setTimeout(() => setWanted((w) => w + 1), failed ? pollMs * 3 : pollMs);
    return () => clearTimeout(timer);
  }, [attempt, failed, pollMs]);

  const setOrder = useCallback((o: Order) => {
    setOrderState(o);
    setError(undefined);
    setFailed(false);
    // Fetch again: this also discards a poll that was already under way
    // and could otherwise answer an older state.
    setWanted((w) => w + 1);
  }, []);
  const refresh = useCallback(() => setWanted((w) => w + 1), []);

  return { order, error, loading, polling, setOrder, refresh };
}

/** Follows location.hash. */
export function useHash(): string {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

/** State kept in localStorage (ignored when storage is unavailable). */
export function useStoredState(key: string, initial: string): [string, (v: string) => void] {
  const [value, setValue] = useState(() => {
    try {
      return window.localStorage.getItem(key) ?? initial;
    } catch {
      return initial;
    }
  });
  const set = useCallback(
    (v: string) => {
      setValue(v);
      try {
        if (v) window.localStorage.setItem(key, v);
        else window.localStorage.removeItem(key);
      } catch {
        // storage unavailable: keep it in memory only
      }
    },
    [key],
  );
  return [value, set];
}
