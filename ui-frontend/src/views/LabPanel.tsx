import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, byServiceOrder, EVENTS_PATH, FAULT_SERVICES, probeEvents, toProblem } from '../api';
import { Loading, ProblemView, Section, StatusBadge } from '../components/common';
import { byteSize, formatBytes, formatTime } from '../format';
import { useAsync } from '../hooks';
import type {
  CloudEvent,
  DownMode,
  FaultSettings,
  LabInfo,
  PatternCell,
  PatternServiceState,
  PatternState,
  Problem,
} from '../types';
import type { AsyncState } from '../hooks';
import type { PatternsReport } from '../types';
import { MetricsSection } from './MetricsCharts';
import { TOKEN_COLUMNS, TokenInspector } from './TokenInspector';

/**
 * Whether the variant has a part of the lab, from /api/lab/info's features:
 * true or false when the gateway says, undefined when it does not (an older
 * gateway): then the panel asks and takes a 404 as "absent".
 */
export type Has = boolean | undefined;

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

export function EventsSection({
  createEventSource = defaultEventSource,
  available,
}: {
  createEventSource?: EventSourceFactory;
  available?: Has;
}) {
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
    if (available === false) {
      setState({ kind: 'absent' });
      return;
    }
    setState({ kind: 'checking' });
    // Only a gateway that does not say whether there are events is asked first.
    const probe = available ? Promise.resolve(null) : probeEvents();
    probe.then((err: ApiError | null) => {
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
  }, [createEventSource, attempt, available]);

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


/** Shown for a service's health: what a client would see, not just its /readyz. */
export function healthWords(healthy: boolean, faulty: boolean): { status: string; label: string } {
  if (!healthy) return { status: 'unhealthy', label: 'down' };
  if (faulty) return { status: 'injected', label: 'healthy (faults injected)' };
  return { status: 'healthy', label: 'healthy' };
}

export function InfoSection({
  info,
  faulty = {},
}: {
  info: AsyncState<LabInfo>;
  /** Services with faults injected, by name. */
  faulty?: Record<string, boolean>;
}) {
  const services = Array.isArray(info.data?.services) ? byServiceOrder(info.data.services, (s) => s.name) : [];
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
      {info.loading && !info.data && !info.error ? <Loading what="the lab's state" /> : null}
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
            {info.data.base && info.data.patterns && info.data.patterns.length > 0 ? (
              <span className="hint">
                {' '}
                ({info.data.base} with {info.data.patterns.join(', ')})
              </span>
            ) : null}
          </p>
          {services.length > 0 ? (
            <table className="stack">
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Health</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {services.map((s) => {
                  const words = healthWords(s.healthy, !!faulty[s.name]);
                  return (
                    <tr key={s.name} data-service={s.name}>
                      <td data-label="Service">{s.name}</td>
                      <td data-label="Health">
                        <StatusBadge status={words.status} label={words.label} />
                        {typeof s.latencyMs === 'number' ? (
                          <span className="hint"> {Math.round(s.latencyMs * 10) / 10} ms</span>
                        ) : null}
                      </td>
                      <td data-label="Address">{s.url ? <code>{s.url}</code> : '–'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : (
            <p className="hint">The gateway lists no services.</p>
          )}
          <Instances instances={info.data.instances} />
        </>
      ) : null}
    </Section>
  );
}

/** The instances of each service, when one runs more than one (replicas behind the balancer). */
function Instances({ instances }: { instances?: LabInfo['instances'] }) {
  if (!instances || typeof instances !== 'object') return null;
  const rows = byServiceOrder(Object.keys(instances), (name) => name).flatMap((name) =>
    (Array.isArray(instances[name]) ? instances[name] : []).map((inst, i) => ({ name, i, inst })),
  );
  if (!Object.values(instances).some((list) => Array.isArray(list) && list.length > 1)) return null;
  return (
    <table className="stack" aria-label="Instances">
      <caption>Instances behind the balancer</caption>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Instance</th>
          <th scope="col">Health</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ name, i, inst }) => (
          <tr key={name + i} data-instance={name}>
            <td data-label="Service">{name}</td>
            <td data-label="Instance">
              <code>{inst.url}</code>
            </td>
            <td data-label="Health">
              <StatusBadge
                status={inst.healthy && !inst.out ? 'healthy' : 'unhealthy'}
                label={inst.out ? 'out of the balancer' : inst.healthy ? 'healthy' : 'down'}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** "retryAfterMs" → "Retry after (ms)", "inFlight" → "In flight". */
export function columnTitle(name: string): string {
  const units: Record<string, string> = { ms: 'ms', s: 's', rps: 'per s', pct: '%', bytes: 'bytes' };
  const words = name
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  let unit = '';
  const last = words[words.length - 1]?.toLowerCase();
  if (words.length > 1 && last && units[last]) {
    unit = ` (${units[last]})`;
    words.pop();
  }
  const text = words.map((w, i) => (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : /^[A-Z]{2,}$/.test(w) ? w : w.toLowerCase())).join(' ');
  return text + unit;
}

/** Words that read as a state get a coloured badge; everything else is shown as it is. */
const STATE_WORDS = new Set(['closed', 'open', 'half-open', 'half_open']);

function Cell({ column, value }: { column: string; value: PatternCell }) {
  if (value === null || value === undefined) return <>–</>;
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'number') return <span className="num">{Number.isInteger(value) ? value : Math.round(value * 100) / 100}</span>;
  if (column === 'state' || STATE_WORDS.has(value)) return <StatusBadge status={value} />;
  return <>{value}</>;
}

function PatternServiceTable({ pattern, part }: { pattern: string; part: PatternServiceState }) {
  const id = `pattern-${pattern}-${part.service}`.replace(/[^a-zA-Z0-9_-]/g, '-');
  if (part.error) {
    return (
      <div className="pattern-service" data-service={part.service}>
        <h4 id={id}>{part.service}</h4>
        <p className="problem-detail" role="status">
          {part.error}
        </p>
      </div>
    );
  }
  const columns = part.columns ?? [];
  const rows = part.rows ?? [];
  return (
    <div className="pattern-service" data-service={part.service}>
      <h4 id={id}>{part.service}</h4>
      {rows.length === 0 ? (
        <p className="hint">Nothing to show yet: the pattern has not been used.</p>
      ) : (
        <table className="stack" aria-labelledby={id}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} scope="col">
                  {columnTitle(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, r) => (
              <tr key={r}>
                {columns.map((c, i) => (
                  <td key={c} data-label={columnTitle(c)}>
                    <Cell column={c} value={row[i] ?? null} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** A security pattern's token columns are drawn by the token inspector, not in its tables. */
function withoutTokenColumns(part: PatternServiceState): PatternServiceState | undefined {
  if (!part.columns || part.error) return part;
  const keep = part.columns.map((c, i) => (TOKEN_COLUMNS.includes(c) ? -1 : i)).filter((i) => i >= 0);
  if (keep.length === part.columns.length) return part;
  if (keep.length === 0) return undefined;
  return { ...part, columns: keep.map((i) => part.columns![i]), rows: part.rows?.map((r) => keep.map((i) => r[i] ?? null)) };
}

function PatternBlock({ pattern }: { pattern: PatternState }) {
  const all = Array.isArray(pattern.services) ? pattern.services : [];
  const security = pattern.category === 'security';
  const parts = security ? all.map(withoutTokenColumns).filter((p): p is PatternServiceState => !!p) : all;
  const services = byServiceOrder(parts, (s) => s.service);
  // Services that keep no state yet are named in one line, not drawn as empty tables.
  const idle = services.filter((p) => !p.error && (!p.rows || p.rows.length === 0));
  const shown = services.filter((p) => !idle.includes(p));
  return (
    <div className="pattern" data-pattern={pattern.name}>
      <h3>
        {pattern.name}
        {pattern.category ? <span className="hint"> · {pattern.category}</span> : null}
      </h3>
      {pattern.description ? <p className="hint">{pattern.description}</p> : null}
      {security ? <p className="hint">The tokens each process received are in the token inspector below.</p> : null}
      {services.length === 0 ? (
        security ? null : <p className="hint">No service reports state for this pattern.</p>
      ) : (
        shown.map((part) => <PatternServiceTable key={part.service} pattern={pattern.name} part={part} />)
      )}
      {idle.length > 0 ? (
        <p className="hint" data-testid="pattern-idle">
          Nothing to show yet at {idle.map((p) => p.service).join(', ')}: the pattern has not been used there.
        </p>
      ) : null}
    </div>
  );
}

/**
 * The state of every cross-cutting pattern of the variant, drawn from
 * /api/lab/patterns without knowing any pattern: a table per service.
 */
export function PatternsSection({
  available,
  refreshMs = 2000,
  onReport,
}: {
  available?: Has;
  refreshMs?: number;
  /** Told every report read (the token inspector draws from it). */
  onReport?: (report: PatternsReport | undefined) => void;
}) {
  const report = useAsync(
    (s) => (available === false ? Promise.resolve(undefined) : api.patterns(s)),
    [available],
    available === false ? undefined : refreshMs,
  );
  useEffect(() => onReport?.(report.data), [report.data, onReport]);
  const patterns = report.data && Array.isArray(report.data.patterns) ? report.data.patterns : undefined;
  const absent = available === false || report.error?.status === 404 || (patterns && patterns.length === 0);
  return (
    <Section title="Patterns at work" id="lab-patterns">
      {report.loading && !report.data && !report.error && available !== false ? <Loading what="pattern state" /> : null}
      {absent ? (
        <p className="absent" data-testid="patterns-absent">
          This variant adds no cross-cutting pattern (circuit breaker, retry, timeout …) to its services.
        </p>
      ) : report.error ? (
        <ProblemView problem={report.error} context="Could not read the patterns' state" onRetry={report.reload} />
      ) : null}
      {patterns && patterns.length > 0 && !report.error
        ? patterns.map((p) => <PatternBlock key={p.name} pattern={p} />)
        : null}
    </Section>
  );
}

type FaultLoad =
  | { kind: 'loading' }
  | { kind: 'absent' }
  | { kind: 'failed'; problem: Problem }
  | { kind: 'ready'; settings: FaultSettings };

const NO_FAULTS: FaultSettings = { errorRate: 0, errorStatus: 503, latencyMs: 0, latencyJitterMs: 0, down: '' };

export function isFaulty(s: FaultSettings): boolean {
  return s.errorRate > 0 || s.latencyMs > 0 || s.latencyJitterMs > 0 || s.down !== '';
}

/** The fault settings of every service, read again every refreshMs so that a change made elsewhere shows. */
export function useFaults(available: Has, refreshMs = 3000) {
  const [loads, setLoads] = useState<Record<string, FaultLoad>>({});
  const [attempt, setAttempt] = useState(0);
  const asked = useRef<Has | null>(null);

  useEffect(() => {
    if (available === false) {
      asked.current = available;
      setLoads(Object.fromEntries(FAULT_SERVICES.map((s) => [s, { kind: 'absent' } as FaultLoad])));
      return;
    }
    if (asked.current !== available) {
      // Asked for the first time: nothing is known yet.
      asked.current = available;
      setLoads({});
    }
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pending = FAULT_SERVICES.length;
    let anyPresent = false;
    const done = () => {
      if (--pending > 0 || ctrl.signal.aborted) return;
      // Keep them live while some service has fault injection.
      if (refreshMs && anyPresent) timer = setTimeout(() => setAttempt((a) => a + 1), refreshMs);
    };
    for (const service of FAULT_SERVICES) {
      api.faults(service, ctrl.signal).then(
        (settings) => {
          if (ctrl.signal.aborted) return;
          anyPresent = true;
          setLoads((l) => ({ ...l, [service]: { kind: 'ready', settings: { ...NO_FAULTS, ...settings } } }));
          done();
        },
        (err: unknown) => {
          if (ctrl.signal.aborted) return;
          const problem = toProblem(err);
          if (problem.status !== 404) anyPresent = true;
          setLoads((l) => ({
            ...l,
            [service]: problem.status === 404 ? { kind: 'absent' } : { kind: 'failed', problem },
          }));
          done();
        },
      );
    }
    return () => {
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [attempt, available, refreshMs]);

  const reload = useCallback(() => setAttempt((a) => a + 1), []);
  const saved = useCallback(
    (service: string, settings: FaultSettings) => setLoads((l) => ({ ...l, [service]: { kind: 'ready', settings } })),
    [],
  );
  return { loads, reload, saved };
}

export type FaultsState = ReturnType<typeof useFaults>;

export function FaultsSection({ faults }: { faults: FaultsState }) {
  const { loads, reload, saved } = faults;
  const states = FAULT_SERVICES.map((s) => loads[s] ?? { kind: 'loading' });
  const allAbsent = states.every((s) => s.kind === 'absent');
  const anyLoading = states.some((s) => s.kind === 'loading');

  return (
    <Section
      title="Fault injection"
      id="lab-faults"
      actions={
        <button type="button" className="secondary" onClick={reload}>
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
                    current={load.settings}
                    onSaved={(settings) => saved(service, settings)}
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
  current,
  onSaved,
}: {
  service: string;
  /** The service's settings as last read: the badge follows them, and so do the fields until edited. */
  current: FaultSettings;
  onSaved: (s: FaultSettings) => void;
}) {
  const [form, setForm] = useState(() => toForm(current));
  // The effect below reads the latest edit state, not the one of the render it
  // was scheduled in: an edit made before it runs must not be overwritten.
  const editing = useRef(false);
  const [problem, setProblem] = useState<Problem>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string>();
  const id = (field: string) => `fault-${service}-${field}`;
  const active = isFaulty(current);
  const currentKey = JSON.stringify(current);

  // A change made elsewhere (curl, another tab) shows in the fields, unless the user is editing them.
  useEffect(() => {
    if (!editing.current) setForm(toForm(current));
  }, [currentKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const edit = (patch: Partial<ReturnType<typeof toForm>>) => {
    editing.current = true;
    setSaved(undefined);
    setForm((f) => ({ ...f, ...patch }));
  };

  async function save(settings: FaultSettings) {
    setSaving(true);
    setProblem(undefined);
    setSaved(undefined);
    try {
      const answer = await api.setFaults(service, settings);
      const next = { ...NO_FAULTS, ...(answer ?? settings) };
      setForm(toForm(next));
      editing.current = false;
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
    <form className="fault-card" onSubmit={submit} aria-labelledby={id('title')} data-service={service}>
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
            onChange={(e) => edit({ errorRate: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={id('status')}>Error status</label>
          <input
            id={id('status')}
            type="number"
            min={400}
            max={599}
            step={1}
            value={form.errorStatus}
            onChange={(e) => edit({ errorStatus: e.target.value })}
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
            onChange={(e) => edit({ latencyMs: e.target.value })}
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
            onChange={(e) => edit({ latencyJitterMs: e.target.value })}
          />
        </div>
        <div className="field field-wide">
          <label htmlFor={id('down')}>Down</label>
          <select id={id('down')} value={form.down} onChange={(e) => edit({ down: e.target.value as DownMode })}>
            <option value="">no (up)</option>
            <option value="refuse">refuse connections</option>
            <option value="hang">hang (never answer)</option>
          </select>
        </div>
      </div>
      <div className="button-row">
        <button type="submit" disabled={saving} aria-label={saving ? undefined : `Apply faults to ${service}`}>
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

/** The form's fields; an error status of 0 (the service's default) is shown as the 503 it means. */
function toForm(s: FaultSettings) {
  return {
    errorRate: String(s.errorRate),
    errorStatus: String(s.errorStatus >= 400 && s.errorStatus <= 599 ? s.errorStatus : 503),
    latencyMs: String(s.latencyMs),
    latencyJitterMs: String(s.latencyJitterMs),
    down: s.down,
  };
}

export function LabPanel({
  createEventSource,
  infoRefreshMs = 5000,
  faultsRefreshMs = 3000,
  patternsRefreshMs = 2000,
  metricsRefreshMs = 5000,
}: {
  createEventSource?: EventSourceFactory;
  infoRefreshMs?: number;
  faultsRefreshMs?: number;
  patternsRefreshMs?: number;
  metricsRefreshMs?: number;
}) {
  const info = useAsync((s) => api.labInfo(s), [], infoRefreshMs);
  // Until the gateway has answered, the panel does not know what the variant has: it waits.
  const known = !!info.data || !!info.error;
  const features = info.data?.features && typeof info.data.features === 'object' ? info.data.features : undefined;
  const [report, setReport] = useState<PatternsReport>();
  const has = (name: 'events' | 'faults' | 'patterns' | 'metrics'): Has =>
    typeof features?.[name] === 'boolean' ? features[name] : undefined;
  const faults = useFaults(known ? has('faults') : false, faultsRefreshMs);
  const faulty = Object.fromEntries(
    Object.entries(faults.loads).map(([name, l]) => [name, l.kind === 'ready' && isFaulty(l.settings)]),
  );
  return (
    <div className="view">
      <InfoSection info={info} faulty={faulty} />
      {known ? (
        <>
          <EventsSection createEventSource={createEventSource} available={has('events')} />
          <PatternsSection available={has('patterns')} refreshMs={patternsRefreshMs} onReport={setReport} />
          {features?.login ? <TokenInspector report={report} /> : null}
          <MetricsSection
            available={has('metrics') ?? !!info.data?.links?.metrics}
            prometheus={info.data?.links?.metrics}
            refreshMs={metricsRefreshMs}
          />
          <FaultsSection faults={faults} />
        </>
      ) : (
        <Loading what="what this variant has" />
      )}
    </div>
  );
}
