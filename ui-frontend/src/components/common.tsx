import type { ReactNode } from 'react';
import { NETWORK_ERROR } from '../api';
import { formatMoney } from '../format';
import type { AsyncState, PagedState } from '../hooks';
import type { Problem } from '../types';

/** Shows a problem document in plain words: title, detail, field errors. */
export function ProblemView({
  problem,
  context,
  onRetry,
  onDismiss,
}: {
  problem: Problem;
  context?: string;
  onRetry?: () => void;
  onDismiss?: () => void;
}) {
  const status = problem.status;
  const retryAfter = typeof problem.retryAfter === 'number' ? problem.retryAfter : undefined;
  let hint: string | undefined;
  if (status === NETWORK_ERROR) {
    hint = 'Start the lab (for example "go run ./cmd/lab run rest") and try again.';
  } else if (status === 502 || status === 503 || status === 504) {
    hint = 'A service behind the gateway is down, cut off or slow. The rest of the lab keeps working.';
  } else if (status === 429) {
    hint = 'The gateway is limiting the request rate.';
  }
  return (
    <div className="problem" role="alert">
      <p className="problem-title">
        {context ? <span>{context}: </span> : null}
        <strong>{problem.title}</strong>
        {status ? <span className="problem-status"> (HTTP {status})</span> : null}
      </p>
      {problem.detail ? <p className="problem-detail">{problem.detail}</p> : null}
      {problem.errors && problem.errors.length > 0 ? (
        <ul className="problem-errors" aria-label="Field errors">
          {problem.errors.map((e, i) => (
            <li key={`${e.field}-${i}`}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
      {hint ? <p className="problem-hint">{hint}</p> : null}
      {retryAfter !== undefined ? <p className="problem-hint">Try again in {retryAfter} s.</p> : null}
      {onRetry || onDismiss ? (
        <div className="button-row">
          {onRetry ? (
            <button type="button" onClick={onRetry}>
              Try again
            </button>
          ) : null}
          {onDismiss ? (
            <button type="button" className="secondary" onClick={onDismiss}>
              Dismiss
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

/**
 * The state of a loaded list around the list itself: a loading line, its problem
 * with a retry, or the empty message. count, when given, is what is shown of the
 * list (after filters); by default the whole list.
 */
export function ListState<T>({
  state,
  what,
  empty,
  count,
  placeholder,
}: {
  state: AsyncState<T[]>;
  what: string;
  empty: string;
  count?: number;
  /** Shown instead of the loading line: a skeleton of the list's size, so nothing shifts. */
  placeholder?: ReactNode;
}) {
  const shown = count ?? state.data?.length ?? 0;
  return (
    <>
      {state.loading && !state.data ? (
        placeholder ? (
          <div className="loading-placeholder">
            <Loading what={what} hidden />
            {placeholder}
          </div>
        ) : (
          <Loading what={what} />
        )
      ) : null}
      {state.error ? (
        <ProblemView problem={state.error} context={`Could not load ${what}`} onRetry={state.reload} />
      ) : null}
      {state.data && shown === 0 ? <p>{empty}</p> : null}
    </>
  );
}

/** The "Load more" button under a paginated list, while the server says more remain. */
export function LoadMore<T>({ state, what }: { state: PagedState<T>; what: string }) {
  if (!state.hasMore && !state.moreError) return null;
  return (
    <div className="load-more">
      {state.moreError ? (
        <ProblemView problem={state.moreError} context={`Could not load more ${what}`} />
      ) : null}
      {state.hasMore ? (
        <button type="button" className="secondary" onClick={state.loadMore} disabled={state.loadingMore}>
          {state.loadingMore ? 'Loading more…' : `Load more ${what}`}
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ what, hidden }: { what: string; hidden?: boolean }) {
  return (
    <p className={hidden ? 'loading visually-hidden' : 'loading'} role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

const badgeKinds: Record<string, string> = {
  OPEN: 'info',
  PENDING: 'pending',
  RESERVED: 'ok',
  CONFIRMED: 'info',
  SHIPPED: 'info',
  COMPLETED: 'ok',
  ISSUED: 'ok',
  REJECTED: 'bad',
  CANCELED: 'muted',
  closed: 'ok',
  open: 'bad',
  'half-open': 'pending',
  half_open: 'pending',
  healthy: 'ok',
  unhealthy: 'bad',
  connected: 'ok',
  connecting: 'pending',
  reconnecting: 'pending',
  disconnected: 'bad',
  normal: 'ok',
  faulty: 'bad',
  injected: 'pending',
};

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const kind = badgeKinds[status] ?? badgeKinds[status.toLowerCase()] ?? 'muted';
  return (
    <span className={`badge badge-${kind}`} data-status={status}>
      {label ?? status}
    </span>
  );
}

export function Money({ cents, currency }: { cents: number | undefined; currency?: string }) {
  return <span className="money">{formatMoney(cents, currency)}</span>;
}

export function Section({
  title,
  id,
  children,
  actions,
}: {
  title: string;
  id: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <section className="panel" aria-labelledby={id}>
      <div className="panel-head">
        <h2 id={id}>{title}</h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

/** A UUID shown short, with the full id available to read and copy. */
export function Id({ id }: { id: string }) {
  const dash = id.indexOf('-');
  const short = dash > 0 ? id.slice(0, dash) : id.slice(0, 8);
  return (
    <code className="id" title={id}>
      {short}
    </code>
  );
}
