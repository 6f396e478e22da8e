import { useState, useSyncExternalStore } from 'react';
import { api } from '../api';
import { Loading, Money, ProblemView, Section, StatusBadge } from '../components/common';
import { formatTime } from '../format';
import { useAsync } from '../hooks';
import { onTraces, traceHref, tracesOf, type OrderTraces } from '../traces';
import type { Order } from '../types';

/**
 * The order's stream of events and its state at any version of it, where
 * the variant keeps them (features.history). Elsewhere it says that the
 * variant lacks them, and asks for nothing.
 */
export function OrderHistory({ order, history }: { order: Order; history: boolean | undefined }) {
  if (history === false) {
    return (
      <Section title="History" id="order-history">
        <p className="absent" data-testid="history-absent">
          This variant lacks it: it keeps each order's current state only, not the events that led to it. The
          event-sourcing variant keeps every change and shows the order as it was at any point.
        </p>
      </Section>
    );
  }
  if (history !== true) return null;
  return <HistoryStream order={order} />;
}

function HistoryStream({ order }: { order: Order }) {
  // The stream grows as the order moves on: read it again when the order changes.
  const stream = useAsync((s) => api.orderEvents(order.orderId, s), [order.orderId, order.updatedAt, order.status]);
  const events = stream.data ?? [];
  const latest = events.length > 0 ? events[events.length - 1].version : 0;
  // undefined follows the latest version; a number is the one the user chose.
  const [chosen, setChosen] = useState<number>();
  const version = chosen !== undefined && chosen <= latest ? chosen : latest;
  const past = version > 0 && version < latest;
  const then = useAsync(
    async (s) => (past ? api.orderAt(order.orderId, version, s) : undefined),
    [order.orderId, version, past],
  );

  return (
    <Section title="History" id="order-history">
      {stream.loading && !stream.data ? <Loading what="the order's events" /> : null}
      {stream.error ? (
        <ProblemView problem={stream.error} context="Could not read the order's events" onRetry={stream.reload} />
      ) : null}
      {events.length > 0 ? (
        <>
          <div className="field state-at">
            <label htmlFor="state-at">
              State at version <strong data-testid="state-at-version">{version}</strong> of {latest}
            </label>
            <input
              id="state-at"
              type="range"
              min={1}
              max={latest}
              step={1}
              value={version}
              aria-valuetext={`version ${version} of ${latest}: ${events.find((e) => e.version === version)?.type ?? ''}`}
              onChange={(e) => {
                const v = Number(e.target.value);
                setChosen(v >= latest ? undefined : v);
              }}
            />
          </div>
          <div aria-live="polite" data-testid="state-at">
            {past ? (
              then.data ? (
                <p>
                  After {events.find((e) => e.version === version)?.type ?? `event ${version}`}: the order was{' '}
                  <StatusBadge status={then.data.status} /> with{' '}
                  {then.data.items.filter((i) => i.status !== 'CANCELED').length} item(s), total{' '}
                  <Money cents={then.data.total} currency={then.data.currency} />
                  {then.data.items.length > 0 ? (
                    <span className="hint">
                      {' '}
                      ({then.data.items.map((i) => `${i.quantity} × ${i.status}`).join(', ')})
                    </span>
                  ) : null}
                  .
                </p>
              ) : then.error ? (
                <ProblemView problem={then.error} context={`Could not read version ${version}`} onRetry={then.reload} />
              ) : (
                <Loading what={`version ${version}`} />
              )
            ) : (
              <p className="hint">The latest version: the order as it is now, shown above.</p>
            )}
          </div>
          <ol className="history-list" aria-label="The order's events, oldest first">
            {events.map((e) => (
              <li key={e.version} data-event-type={e.type} aria-current={e.version === version ? 'step' : undefined}>
                <span className="num">{e.version}.</span> <strong>{e.type}</strong>{' '}
                <span className="hint">
                  {formatTime(e.recordedAt)}
                  {e.storedSchemaVersion !== e.schemaVersion
                    ? ` · stored as schema v${e.storedSchemaVersion}, read as v${e.schemaVersion}`
                    : ''}
                </span>
                <details>
                  <summary>data</summary>
                  <pre className="json">{JSON.stringify(e.data, null, 2)}</pre>
                </details>
              </li>
            ))}
          </ol>
        </>
      ) : stream.data ? (
        <p className="hint">No events yet.</p>
      ) : null}
    </Section>
  );
}

function useOrderTraces(orderId: string): OrderTraces {
  const key = useSyncExternalStore(onTraces, () => JSON.stringify(tracesOf(orderId)));
  return JSON.parse(key) as OrderTraces;
}

/** The trace ids of the order's creation and confirm, linked to the trace viewer when one runs. */
export function OrderTraceFacts({ orderId, viewer }: { orderId: string; viewer?: string }) {
  const traces = useOrderTraces(orderId);
  const rows: [string, string | undefined][] = [
    ['Trace of its creation', traces.created],
    ['Trace of its confirm', traces.confirmed],
  ];
  if (!traces.created && !traces.confirmed) return null;
  return (
    <>
      {rows.map(([label, id]) =>
        id ? (
          <div key={label} data-testid={label.includes('confirm') ? 'trace-confirmed' : 'trace-created'}>
            <dt>{label}</dt>
            <dd>
              {viewer ? (
                <a href={traceHref(viewer, id)} target="_blank" rel="noreferrer">
                  <code className="id-full">{id}</code>
                  <span className="visually-hidden"> (opens the trace viewer)</span>
                </a>
              ) : (
                <code className="id-full">{id}</code>
              )}
            </dd>
          </div>
        ) : null,
      )}
    </>
  );
}
