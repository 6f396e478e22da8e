import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, EVENTS_PATH, FAULT_SERVICES, probeEvents, toProblem } from '../api';
import { Loading, ProblemView, Section, StatusBadge } from '../components/common';
import { byteSize, formatBytes, formatTime } from '../format';
import { useAsync } from '../hooks';
import type { CloudEvent, DownMode, FaultSettings, Problem } from '../types';

/** The part of EventSource the panel uses (a fake one in tests). */
export interface EventSourceLike {
  onopen: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  readonly readyState: number;
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string) => EventSourceLike;

const defaultEventSource: EventSourceFactory = (url) => new EventSource(url) as unknown as EventSourceLike;

/**
 * SSE events without an "event:" field arrive as "message". A server that
 * names each SSE event after its CloudEvents type is heard as well.
 */
export const KNOWN_EVENT_TYPES = [
  'customer.created',
  'product.changed',
  'order.created',
  'order.item-added',
  'order.item-removed',
  'order.confirmed',
  'order.canceled',
  'order.shipped',
  'order.completed',
  'reservation.changed',
  'shipment.shipped',
  'invoice.issued',
];

const MAX_EVENTS = 200;

const connectionWords = {
  connecting: 'connecting',
  open: 'connected',
  reconnecting: 'reconnecting',
  closed: 'disconnected',
} as const;

interface ReceivedEvent {
  key: number;
  event?: CloudEvent;
  raw: string;
  dataText: string;
  dataBytes: number;
  receivedAt: string;
}

export function parseEvent(raw: string, key: number): ReceivedEvent {
  let event: CloudEvent | undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) event = parsed as CloudEvent;
  } catch {
    // shown raw
  }
  let dataText = raw;
  if (event) {
    if (typeof event.data === 'string') {
      dataText = event.data;
      try {
        dataText = JSON.stringify(JSON.parse(event.data), null, 2);
      } catch {
        // plain text data
      }
    } else if (event.data === undefined) {
      dataText = '';
    } else {
      dataText = JSON.stringify(event.data, null, 2);
    }
  }
  // The size of the payload as it travelled (compact JSON).
  const compact = event
    ? event.data === undefined
      ? ''
      : typeof event.data === 'string'
        ? event.data
        : JSON.stringify(event.data)
    : raw;
  return { key, event, raw, dataText, dataBytes: byteSize(compact), receivedAt: new Date().toISOString() };
}

type StreamState =
  | { kind: 'checking' }
  | { kind: 'absent' }
  | { kind: 'failed'; problem: Problem }
  | { kind: 'live'; connection: 'connecting' | 'open' | 'reconnecting' | 'closed' };

export function EventsSection({ createEventSource = defaultEventSource }: { createEventSource?: EventSourceFactory }) {
  const [state, setState] = useState<StreamState>({ kind: 'checking' });
  const [events, setEvents] = useState<ReceivedEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [filter, setFilter] = useState('');
  const [attempt, setAttempt] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const counter = useRef(0);
  const [total, setTotal] = useState(0);

  useEffect(() => {
    let source: EventSourceLike | undefined;
    let cancelled = false;
    setState({ kind: 'checking' });
    probeEvents().then((err: ApiError | null) => {
      if (cancelled) return;
      if (err) {
        setState(err.status === 404 ? { kind: 'absent' } : { kind: 'failed', problem: toProblem(err) });
        return;
      }
      try {
        source = createEventSource(EVENTS_PATH);
      } catch (e) {
        setState({ kind: 'failed', problem: toProblem(e) });
        return;
      }
      setState({ kind: 'live', connection: 'connecting' });
      const onData = (ev: MessageEvent) => {
        setTotal((t) => t + 1);
        if (pausedRef.current) return;
        const received = parseEvent(String(ev.data), ++counter.current);
        setEvents((list) => [received, ...list].slice(0, MAX_EVENTS));
      };
      source.onopen = () => setState({ kind: 'live', connection: 'open' });
      source.onmessage = onData;
      for (const type of KNOWN_EVENT_TYPES) source.addEventListener(type, onData);
      source.onerror = () => {
        if (!source) return;
        // EventSource reconnects by itself unless it gave up (CLOSED = 2).
        setState({ kind: 'live', connection: source.readyState === 2 ? 'closed' : 'reconnecting' });
      };
    });
    return () => {
      cancelled = true;
      source?.close();
    };
  }, [createEventSource, attempt]);

  const reconnect = useCallback(() => setAttempt((a) => a + 1), []);
  const shown = filter
    ? events.filter((e) => (e.event?.type ?? '').toLowerCase().includes(filter.toLowerCase()))
    : events;

  let body;
  switch (state.kind) {
    case 'checking':
      body = <Loading what="the event stream" />;
      break;
    case 'absent':
      body = (
        <p className="absent" data-testid="events-absent">
          This variant has no events: its services call each other directly, without a message broker.
        </p>
      );
      break;
    case 'failed':
      body = <ProblemView problem={state.problem} context="The event stream is not available" onRetry={reconnect} />;
      break;
    case 'live':
      body = (
        <>
          <div className="stream-bar">
            <p role="status" className="stream-state">
              Stream: <StatusBadge status={connectionWords[state.connection]} />{' '}
              {total} event{total === 1 ? '' : 's'} received
              {paused ? ', paused' : ''}
            </p>
            <div className="button-row">
              <button type="button" className="secondary" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
                {paused ? 'Resume' : 'Pause'}
              </button>
              <button type="button" className="secondary" onClick={() => setEvents([])}>
                Clear
              </button>
              {state.connection === 'closed' ? (
                <button type="button" onClick={reconnect}>
                  Reconnect
                </button>
              ) : null}
            </div>
          </div>
          <div className="field">
            <label htmlFor="event-filter">Filter by type</label>
            <input
              id="event-filter"
              type="search"
              value={filter}
              placeholder="e.g. order."
              onChange={(e) => setFilter(e.target.value)}
            />
          </div>
          {shown.length === 0 ? (
            <p className="hint">No events yet. Place an order in the shop and watch them arrive here.</p>
          ) : (
            <ol className="event-list" aria-label="Events, newest first">
              {shown.map((e) => (
                <EventEntry key={e.key} item={e} />
              ))}
            </ol>
          )}
        </>
      );
  }

  return (
    <Section title="Live events" id="lab-events">
      {body}
    </Section>
  );
}

function EventEntry({ item }: { item: ReceivedEvent }) {
  const ev = item.event;
  return (
    <li className="event" data-event-type={ev?.type ?? ''}>
      <p className="event-head">
        <strong className="event-type">{ev?.type ?? 'unreadable event'}</strong>
        <span className="event-size">{formatBytes(item.dataBytes)} payload</span>
      </p>
      {ev ? (
        <dl className="event-meta">
          <div>
            <dt>source</dt>
            <dd>{ev.source}</dd>
          </div>
          {ev.subject ? (
            <div>
              <dt>subject</dt>
              <dd>
                <code>{ev.subject}</code>
              </dd>
            </div>
          ) : null}
          <div>
            <dt>time</dt>
            <dd>{formatTime(ev.time ?? item.receivedAt)}</dd>
          </div>
        </dl>
      ) : null}
      <details>
        <summary>data ({item.dataBytes} bytes)</summary>
        <pre className="json">{item.dataText || '(no data)'}</pre>
      </details>
    </li>
  );
}

export function InfoSection({ refreshMs = 5000 }: { refreshMs?: number }) {
  const info = useAsync((s) => api.labInfo(s), [], refreshMs);
  return (
    <Section
      title="Variant and services"
      id="lab-info"
      actions={
        <button type="button" className="secondary" onClick={info.reload}>
          Refresh
        </button>
      }
    >
      {info.loading && !info.data ? <Loading what="the lab's state" /> : null}
      {info.error ? (
        <ProblemView
          problem={info.error}
          context={info.error.status === 404 ? 'This gateway has no lab information' : 'Could not ask the gateway'}
          onRetry={info.reload}
        />
      ) : null}
      {info.data ? (
        <>
          <p className="variant">
            Running variant: <strong data-testid="variant-name">{info.data.variant}</strong>
          </p>
          {Array.isArray(info.data.services) && info.data.services.length > 0 ? (
            <table className="stack">
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Health</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {info.data.services.map((s) => (
                  <tr key={s.name} data-service={s.name}>
                    <td data-label="Service">{s.name}</td>
                    <td data-label="Health">
                      <StatusBadge status={s.healthy ? 'healthy' : 'unhealthy'} label={s.healthy ? 'healthy' : 'down'} />
                      {typeof s.latencyMs === 'number' ? (
                        <span className="hint"> {Math.round(s.latencyMs * 10) / 10} ms</span>
                      ) : null}
                    </td>
                    <td data-label="Address">{s.url ? <code>{s.url}</code> : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="hint">The gateway lists no services.</p>
          )}
        </>
      ) : null}
    </Section>
  );
}

export function BreakersSection({ refreshMs = 2000 }: { refreshMs?: number }) {
  const breakers = useAsync((s) => api.breakers(s), [], refreshMs);
  return (
    <Section title="Circuit breakers" id="lab-breakers">
      {breakers.loading && !breakers.data && !breakers.error ? <Loading what="breakers" /> : null}
      {breakers.error?.status === 404 ? (
        <p className="absent" data-testid="breakers-absent">
          This variant has no circuit breakers.
        </p>
      ) : breakers.error ? (
        <ProblemView problem={breakers.error} context="Could not read the breakers" onRetry={breakers.reload} />
      ) : null}
      {breakers.data && !breakers.error ? (
        breakers.data.length === 0 ? (
          <p className="hint">No breaker has been used yet.</p>
        ) : (
          <table className="stack">
            <thead>
              <tr>
                <th scope="col">In service</th>
                <th scope="col">Guards calls to</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {breakers.data.map((b) => (
                <tr key={`${b.service}/${b.name}`}>
                  <td data-label="In service">{b.service}</td>
                  <td data-label="Guards calls to">{b.name}</td>
                  <td data-label="State">
                    <StatusBadge status={b.state} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </Section>
  );
}

type FaultLoad =
  | { kind: 'loading' }
  | { kind: 'absent' }
  | { kind: 'failed'; problem: Problem }
  | { kind: 'ready'; settings: FaultSettings };

const NO_FAULTS: FaultSettings = { errorRate: 0, errorStatus: 503, latencyMs: 0, latencyJitterMs: 0, down: '' };

export function FaultsSection() {
  const [loads, setLoads] = useState<Record<string, FaultLoad>>({});
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoads(Object.fromEntries(FAULT_SERVICES.map((s) => [s, { kind: 'loading' } as FaultLoad])));
    for (const service of FAULT_SERVICES) {
      api.faults(service, ctrl.signal).then(
        (settings) => setLoads((l) => ({ ...l, [service]: { kind: 'ready', settings: { ...NO_FAULTS, ...settings } } })),
        (err: unknown) => {
          if (ctrl.signal.aborted) return;
          const problem = toProblem(err);
          setLoads((l) => ({
            ...l,
            [service]: problem.status === 404 ? { kind: 'absent' } : { kind: 'failed', problem },
          }));
        },
      );
    }
    return () => ctrl.abort();
  }, [attempt]);

  const states = FAULT_SERVICES.map((s) => loads[s] ?? { kind: 'loading' });
  const allAbsent = states.every((s) => s.kind === 'absent');
  const anyLoading = states.some((s) => s.kind === 'loading');

  return (
    <Section
      title="Fault injection"
      id="lab-faults"
      actions={
        <button type="button" className="secondary" onClick={() => setAttempt((a) => a + 1)}>
          Reload
        </button>
      }
    >
      {allAbsent ? (
        <p className="absent" data-testid="faults-absent">
          This variant lacks fault injection.
        </p>
      ) : anyLoading && states.every((s) => s.kind === 'loading' || s.kind === 'absent') ? (
        <Loading what="fault settings" />
      ) : (
        <>
          <p className="hint">
            Make a service fail, slow down or go away, then watch what the rest of the system does.
          </p>
          <div className="fault-grid">
            {FAULT_SERVICES.map((service) => {
              const load = loads[service] ?? { kind: 'loading' };
              if (load.kind === 'ready') {
                return (
                  <FaultForm
                    key={service}
                    service={service}
                    initial={load.settings}
                    onSaved={(settings) => setLoads((l) => ({ ...l, [service]: { kind: 'ready', settings } }))}
                  />
                );
              }
              return (
                <div key={service} className="fault-card">
                  <h3>{service}</h3>
                  {load.kind === 'loading' ? <Loading what={`${service} faults`} /> : null}
                  {load.kind === 'absent' ? <p className="absent">No fault injection in this service.</p> : null}
                  {load.kind === 'failed' ? (
                    <ProblemView problem={load.problem} context="Could not read its faults" />
                  ) : null}
                </div>
              );
            })}
          </div>
        </>
      )}
    </Section>
  );
}

function FaultForm({
  service,
  initial,
  onSaved,
}: {
  service: string;
  initial: FaultSettings;
  onSaved: (s: FaultSettings) => void;
}) {
  const [form, setForm] = useState(() => toForm(initial));
  const [problem, setProblem] = useState<Problem>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string>();
  const id = (field: string) => `fault-${service}-${field}`;
  const active =
    initial.errorRate > 0 || initial.latencyMs > 0 || initial.latencyJitterMs > 0 || initial.down !== '';

  async function save(settings: FaultSettings) {
    setSaving(true);
    setProblem(undefined);
    setSaved(undefined);
    try {
      const answer = await api.setFaults(service, settings);
      const next = { ...NO_FAULTS, ...(answer ?? settings) };
      setForm(toForm(next));
      onSaved(next);
      setSaved('Applied.');
    } catch (err) {
      setProblem(toProblem(err));
    } finally {
      setSaving(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const settings: FaultSettings = {
      errorRate: Number(form.errorRate),
      errorStatus: Number(form.errorStatus),
      latencyMs: Number(form.latencyMs),
      latencyJitterMs: Number(form.latencyJitterMs),
      down: form.down,
    };
    const errors: { field: string; message: string }[] = [];
    if (!(settings.errorRate >= 0 && settings.errorRate <= 1)) errors.push({ field: 'errorRate', message: 'from 0 to 1' });
    if (!(Number.isInteger(settings.errorStatus) && settings.errorStatus >= 400 && settings.errorStatus <= 599))
      errors.push({ field: 'errorStatus', message: 'an HTTP status from 400 to 599' });
    if (!(settings.latencyMs >= 0)) errors.push({ field: 'latencyMs', message: '0 or more' });
    if (!(settings.latencyJitterMs >= 0)) errors.push({ field: 'latencyJitterMs', message: '0 or more' });
    if (errors.length) {
      setProblem({ title: 'Check the fault settings', errors });
      return;
    }
    void save(settings);
  }

  return (
    <form className="fault-card" onSubmit={submit} aria-labelledby={id('title')}>
      <h3 id={id('title')}>
        {service} <StatusBadge status={active ? 'faulty' : 'normal'} />
      </h3>
      <div className="fault-fields">
        <div className="field">
          <label htmlFor={id('rate')}>Error rate (0–1)</label>
          <input
            id={id('rate')}
            type="number"
            min={0}
            max={1}
            step={0.05}
            value={form.errorRate}
            onChange={(e) => setForm({ ...form, errorRate: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={id('status')}>Error status (0 = 503)</label>
          <input
            id={id('status')}
            type="number"
            min={400}
            max={599}
            step={1}
            value={form.errorStatus}
            onChange={(e) => setForm({ ...form, errorStatus: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={id('latency')}>Latency (ms)</label>
          <input
            id={id('latency')}
            type="number"
            min={0}
            step={50}
            value={form.latencyMs}
            onChange={(e) => setForm({ ...form, latencyMs: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={id('jitter')}>Jitter (ms)</label>
          <input
            id={id('jitter')}
            type="number"
            min={0}
            step={50}
            value={form.latencyJitterMs}
            onChange={(e) => setForm({ ...form, latencyJitterMs: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={id('down')}>Down</label>
          <select id={id('down')} value={form.down} onChange={(e) => setForm({ ...form, down: e.target.value as DownMode })}>
            <option value="">no (up)</option>
            <option value="refuse">refuse connections</option>
            <option value="hang">hang (never answer)</option>
          </select>
        </div>
      </div>
      <div className="button-row">
        <button type="submit" disabled={saving} aria-label={`Apply faults to ${service}`}>
          {saving ? 'Applying…' : 'Apply'}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={saving}
          aria-label={`Reset faults of ${service}`}
          onClick={() => void save(NO_FAULTS)}
        >
          Reset
        </button>
      </div>
      <p aria-live="polite" className="saved">
        {saved}
      </p>
      {problem ? <ProblemView problem={problem} context="Not applied" onDismiss={() => setProblem(undefined)} /> : null}
    </form>
  );
}

function toForm(s: FaultSettings) {
  return {
    errorRate: String(s.errorRate),
    errorStatus: String(s.errorStatus),
    latencyMs: String(s.latencyMs),
    latencyJitterMs: String(s.latencyJitterMs),
    down: s.down,
  };
}

export function LabPanel({ createEventSource }: { createEventSource?: EventSourceFactory }) {
  return (
    <div className="view">
      <InfoSection />
      <EventsSection createEventSource={createEventSource} />
      <BreakersSection />
      <FaultsSection />
    </div>
  );
}
