import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeApi, json, problem } from '../test/fakeApi';
import { useAsync } from '../hooks';
import { api } from '../api';
import {
  columnTitle,
  EventsSection,
  FaultsSection,
  InfoSection,
  LabPanel,
  PatternsSection,
  useFaults,
  type EventSourceLike,
  type Has,
} from './LabPanel';

class FakeEventSource implements EventSourceLike {
  static last: FakeEventSource | undefined;
  onopen: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  readyState = 0;
  closed = false;
  listeners = new Map<string, ((ev: MessageEvent) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, l: (ev: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  emit(data: string, type = 'message') {
    const ev = new MessageEvent(type, { data });
    if (type === 'message') this.onmessage?.(ev);
    else for (const l of this.listeners.get(type) ?? []) l(ev);
  }
}

const factory = (url: string) => new FakeEventSource(url);

const streamOk = () => new Response('', { status: 200, headers: { 'Content-Type': 'text/event-stream' } });

describe('EventsSection', () => {
  it('says "this variant has no events" when the stream answers 404', async () => {
    fakeApi({ 'GET /api/lab/events': () => problem(404, 'Not Found', 'this variant has no broker') });
    FakeEventSource.last = undefined;
    render(<EventsSection createEventSource={factory} />);
    const msg = await screen.findByTestId('events-absent');
    expect(msg.textContent).toMatch(/This variant has no events/);
    expect(FakeEventSource.last).toBeUndefined(); // no EventSource opened
  });

  it('shows a failing stream as a problem, without breaking', async () => {
    fakeApi({ 'GET /api/lab/events': () => problem(503, 'Service Unavailable', 'broker unreachable') });
    render(<EventsSection createEventSource={factory} />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('broker unreachable');
  });

  it('shows each CloudEvent with type, source, subject, time, payload and its size', async () => {
    fakeApi({ 'GET /api/lab/events': streamOk });
    render(<EventsSection createEventSource={factory} />);
    await waitFor(() => expect(FakeEventSource.last?.url).toBe('/api/lab/events'));
    const es = FakeEventSource.last!;
    act(() => es.open());
    await screen.findByText('connected');

    const thin = { orderId: 'o-1' };
    const fat = { orderId: 'o-1', status: 'CONFIRMED', items: [{ itemId: 'i-1', quantity: 2 }] };
    act(() => {
      es.emit(
        JSON.stringify({
          specversion: '1.0',
          id: 'e1',
          source: '/ordering',
          type: 'order.created',
          time: '2024-05-01T10:00:00Z',
          subject: 'o-1',
          datacontenttype: 'application/json',
          data: thin,
        }),
      );
      // a server that names SSE events after the CloudEvents type is heard too
      es.emit(
        JSON.stringify({ specversion: '1.0', id: 'e2', source: '/ordering', type: 'order.confirmed', subject: 'o-1', data: fat }),
        'order.confirmed',
      );
    });

    const list = await screen.findByRole('list', { name: 'Events, newest first' });
    const entries = within(list).getAllByRole('listitem');
    expect(entries.map((e) => e.getAttribute('data-event-type'))).toEqual(['order.confirmed', 'order.created']);
    const created = entries[1];
    expect(created.textContent).toContain('/ordering');
    expect(created.textContent).toContain('o-1');
    const thinBytes = JSON.stringify(thin).length;
    expect(created.textContent).toContain(`${thinBytes} B payload`);
    expect(within(created).getByText(`data (${thinBytes} bytes)`).tagName).toBe('SUMMARY');
    expect(created.querySelector('pre')!.textContent).toBe(JSON.stringify(thin, null, 2));
    expect(entries[0].textContent).toContain(`${JSON.stringify(fat).length} B payload`);
    expect(screen.getByText(/2 events received/)).toBeTruthy();

    // filter by type
    fireEvent.change(screen.getByLabelText('Filter by type'), { target: { value: 'created' } });
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
  });

  it('closes the stream when it goes away', async () => {
    fakeApi({ 'GET /api/lab/events': streamOk });
    const { unmount } = render(<EventsSection createEventSource={factory} />);
    await waitFor(() => expect(FakeEventSource.last).toBeDefined());
    const es = FakeEventSource.last!;
    unmount();
    expect(es.closed).toBe(true);
  });
});


function Info({ faulty }: { faulty?: Record<string, boolean> }) {
  const info = useAsync((s) => api.labInfo(s), []);
  return <InfoSection info={info} faulty={faulty} />;
}

function Faults({ available, refreshMs = 0 }: { available?: Has; refreshMs?: number }) {
  const faults = useFaults(available, refreshMs);
  return <FaultsSection faults={faults} />;
}

const NORMAL = { errorRate: 0, errorStatus: 0, latencyMs: 0, latencyJitterMs: 0, down: '' };

describe('InfoSection', () => {
  it('shows the variant and the health of each service in the one service order, ignoring unknown fields', async () => {
    fakeApi({
      'GET /api/lab/info': () => ({
        variant: 'event-notification',
        broker: { url: 'amqp://x' },
        services: [
          { name: 'billing', url: 'http://127.0.0.1:8085', healthy: false },
          { name: 'ordering', url: 'http://127.0.0.1:8082', healthy: true, version: 3 },
          { name: 'customers', url: 'http://127.0.0.1:8081', healthy: true },
        ],
      }),
    });
    render(<Info faulty={{ customers: true }} />);
    expect((await screen.findByTestId('variant-name')).textContent).toBe('event-notification');
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      'customershealthy (faults injected)http://127.0.0.1:8081',
      'orderinghealthyhttp://127.0.0.1:8082',
      'billingdownhttp://127.0.0.1:8085',
    ]);
  });
});

describe('InfoSection with replicas', () => {
  it('lists every instance of each service and its health, and none when each runs once', async () => {
    fakeApi({
      'GET /api/lab/info': () => ({
        variant: 'rest',
        services: [{ name: 'ordering', url: 'http://127.0.0.1:8082', healthy: true }],
        instances: {
          warehouse: [
            { url: 'http://127.0.0.1:8083', healthy: true },
            { url: 'http://127.0.0.1:8103', healthy: false, out: true },
          ],
          ordering: [
            { url: 'http://127.0.0.1:8082', healthy: true },
            { url: 'http://127.0.0.1:8102', healthy: true },
          ],
        },
      }),
    });
    render(<Info />);
    const table = await screen.findByRole('table', { name: 'Instances' });
    expect(within(table).getAllByRole('row').slice(1).map((r) => r.textContent)).toEqual([
      'orderinghttp://127.0.0.1:8082healthy',
      'orderinghttp://127.0.0.1:8102healthy',
      'warehousehttp://127.0.0.1:8083healthy',
      'warehousehttp://127.0.0.1:8103out of the balancer',
    ]);
  });
  it('shows no instances table for single instances', async () => {
    fakeApi({
      'GET /api/lab/info': () => ({
        variant: 'rest',
        services: [{ name: 'ordering', healthy: true }],
        instances: { ordering: [{ url: 'http://127.0.0.1:8082', healthy: true }] },
      }),
    });
    render(<Info />);
    await screen.findByTestId('variant-name');
    expect(screen.queryByRole('table', { name: 'Instances' })).toBeNull();
  });
});

describe('columnTitle', () => {
  it.each([
    ['retryAfterMs', 'Retry after (ms)'],
    ['callee', 'Callee'],
    ['inFlight', 'In flight'],
    ['consecutive_failures', 'Consecutive failures'],
    ['tokens', 'Tokens'],
    ['ms', 'Ms'],
  ])('%s → %s', (name, title) => expect(columnTitle(name)).toBe(title));
});

const breakerReport = (state: string) => ({
  variant: 'rest+circuit-breaker',
  patterns: [
    {
      name: 'circuit-breaker',
      category: 'reliability',
      description: 'ordering stops calling a failing service for a while and fails fast',
      services: [
        { service: 'shipping', error: 'shipping did not answer' },
        { service: 'customers', columns: ['callee', 'state', 'failures', 'rejected', 'retryAfterMs'] },
        {
          service: 'ordering',
          columns: ['callee', 'state', 'failures', 'rejected', 'retryAfterMs'],
          rows: [
            ['warehouse', state, 5, 2, 3100],
            ['billing', 'closed', 0, 0, 0],
          ],
        },
      ],
    },
    {
      name: 'bulkhead',
      category: 'reliability',
      services: [{ service: 'ordering', columns: ['callee', 'inFlight', 'limit', 'rejected', 'open'], rows: [['shipping', 3, 8, 1, true]] }],
    },
  ],
});

describe('PatternsSection', () => {
  it('draws every pattern as a table per service, with headers from the column names, and refreshes', async () => {
    let state = 'open';
    fakeApi({ 'GET /api/lab/patterns': () => breakerReport(state) });
    render(<PatternsSection refreshMs={20} />);
    const breaker = await screen.findByText('circuit-breaker');
    const block = breaker.closest('[data-pattern]') as HTMLElement;
    expect(within(block).getByText(/fails fast/)).toBeTruthy();
    const headers = within(block).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Callee', 'State', 'Failures', 'Rejected', 'Retry after (ms)']);
    const rows = within(block).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(rows).toEqual(['warehouseopen523100', 'billingclosed000']);
    // services in the one order: ordering before shipping, whose error is said
    const services = [...block.querySelectorAll('[data-service]')].map((e) => e.getAttribute('data-service'));
    expect(services).toEqual(['ordering', 'shipping']);
    expect(within(block).getByText('shipping did not answer')).toBeTruthy();
    expect(within(block).getByTestId('pattern-idle').textContent).toBe(
      'Nothing to show yet at customers: the pattern has not been used there.',
    );
    const bulkhead = (await screen.findByText('bulkhead')).closest('[data-pattern]') as HTMLElement;
    expect(within(bulkhead).getAllByRole('row')[1].textContent).toBe('shipping381yes');
    state = 'half-open';
    await within(block).findByText('half-open');
  });

  it('says there is no pattern when the variant has none', async () => {
    fakeApi({ 'GET /api/lab/patterns': () => ({ variant: 'rest', patterns: [] }) });
    render(<PatternsSection refreshMs={0} />);
    await screen.findByTestId('patterns-absent');
  });

  it('takes a 404 from an older gateway as "no patterns" and stops asking', async () => {
    const { calls } = fakeApi({});
    render(<PatternsSection refreshMs={20} />);
    await screen.findByTestId('patterns-absent');
    await new Promise((r) => setTimeout(r, 100));
    expect(calls.filter((c) => c.path === '/api/lab/patterns')).toHaveLength(1);
  });

  it('asks nothing when the features say there are no patterns', async () => {
    const { calls } = fakeApi({});
    render(<PatternsSection available={false} refreshMs={20} />);
    await screen.findByTestId('patterns-absent');
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toHaveLength(0);
  });
});

describe('FaultsSection', () => {
  it('says the variant lacks fault injection when every service answers 404', async () => {
    fakeApi({});
    render(<Faults />);
    expect((await screen.findByTestId('faults-absent')).textContent).toBe('This variant lacks fault injection.');
  });

  it('asks nothing when the features say there are no faults', async () => {
    const { calls } = fakeApi({});
    render(<Faults available={false} />);
    await screen.findByTestId('faults-absent');
    expect(calls).toHaveLength(0);
  });

  it('reads and applies fault settings per service', async () => {
    const store: Record<string, unknown> = {};
    const base = { errorRate: 0, errorStatus: 503, latencyMs: 0, latencyJitterMs: 0, down: '' };
    const { calls } = fakeApi({
      'GET /api/lab/faults/*': ({ path }) => store[path] ?? base,
      'PUT /api/lab/faults/*': ({ path, body }) => {
        const b = body as { errorRate: number };
        if (b.errorRate > 1) return problem(400, 'Validation failed', undefined, { errors: [{ field: 'errorRate', message: 'too big' }] });
        store[path] = body;
        return json(body);
      },
    });
    render(<Faults />);
    const rate = await screen.findByLabelText('Error rate (0–1)', { selector: '#fault-warehouse-rate' });
    fireEvent.change(rate, { target: { value: '0.5' } });
    fireEvent.change(screen.getByLabelText('Latency (ms)', { selector: '#fault-warehouse-latency' }), {
      target: { value: '200' },
    });
    fireEvent.change(screen.getByLabelText('Down', { selector: '#fault-warehouse-down' }), { target: { value: 'hang' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply faults to warehouse' }));
    await screen.findByText('Applied.');
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.path).toBe('/api/lab/faults/warehouse');
    expect(put.body).toEqual({ errorRate: 0.5, errorStatus: 503, latencyMs: 200, latencyJitterMs: 0, down: 'hang' });
    expect(screen.getByRole('form', { name: /warehouse/ }).textContent).toContain('faulty');
  });

  it('shows an error status of 0 (a fresh lab) as 503, which the field accepts', async () => {
    fakeApi({ 'GET /api/lab/faults/*': () => NORMAL });
    render(<Faults />);
    const status = (await screen.findByLabelText('Error status', { selector: '#fault-shipping-status' })) as HTMLInputElement;
    expect(status.value).toBe('503');
    expect(status.checkValidity()).toBe(true);
  });

  it('keeps the cards live: a fault set elsewhere shows without Reload', async () => {
    let shipping = NORMAL;
    fakeApi({ 'GET /api/lab/faults/*': ({ path }) => (path.endsWith('/shipping') ? shipping : NORMAL) });
    render(<Faults refreshMs={20} />);
    const card = await screen.findByRole('form', { name: /shipping/ });
    expect(card.textContent).toContain('normal');
    shipping = { ...NORMAL, down: 'refuse' };
    await waitFor(() => {
      expect(card.textContent).toContain('faulty');
      expect((within(card).getByLabelText('Down') as HTMLSelectElement).value).toBe('refuse');
    });
  });

  it('lists the cards in the one service order', async () => {
    fakeApi({ 'GET /api/lab/faults/*': () => NORMAL });
    render(<Faults />);
    await screen.findByRole('form', { name: /billing/ });
    const order = [...document.querySelectorAll('.fault-card')].map((e) => e.getAttribute('data-service'));
    expect(order).toEqual(['customers', 'ordering', 'warehouse', 'shipping', 'billing']);
  });

  it('marks the services without faults and keeps the others usable', async () => {
    fakeApi({
      'GET /api/lab/faults/ordering': () => ({ errorRate: 0, errorStatus: 503, latencyMs: 0, latencyJitterMs: 0, down: '' }),
    });
    render(<Faults />);
    await screen.findByRole('button', { name: 'Apply faults to ordering' });
    expect(screen.getAllByText('No fault injection in this service.')).toHaveLength(4);
  });
});

describe('LabPanel', () => {
  it('renders every part even when the gateway has none of the lab endpoints', async () => {
    fakeApi({ 'GET /api/lab/info': () => ({ variant: 'rest', services: [] }) });
    render(<LabPanel createEventSource={factory} />);
    expect((await screen.findByTestId('variant-name')).textContent).toBe('rest');
    await screen.findByTestId('events-absent');
    await screen.findByTestId('patterns-absent');
    await screen.findByTestId('faults-absent');
  });

  it('asks only for what the features say the variant has', async () => {
    const { calls } = fakeApi({
      'GET /api/lab/info': () => ({
        variant: 'rest',
        base: 'rest',
        patterns: [],
        features: { events: false, faults: true, patterns: false },
        services: [{ name: 'shipping', healthy: true }],
      }),
      'GET /api/lab/faults/*': ({ path }) => (path.endsWith('/shipping') ? { ...NORMAL, down: 'refuse' } : NORMAL),
    });
    render(<LabPanel createEventSource={factory} />);
    await screen.findByTestId('events-absent');
    await screen.findByTestId('patterns-absent');
    await screen.findByText('healthy (faults injected)');
    const asked = new Set(calls.map((c) => c.path));
    expect(asked.has('/api/lab/events')).toBe(false);
    expect(asked.has('/api/lab/patterns')).toBe(false);
    expect(asked.has('/api/lab/breakers')).toBe(false);
    expect(asked.has('/api/lab/faults/shipping')).toBe(true);
  });

  it('opens the stream without probing when the features say there are events', async () => {
    FakeEventSource.last = undefined;
    const { calls } = fakeApi({
      'GET /api/lab/info': () => ({ variant: 'event-notification', features: { events: true, faults: false, patterns: false }, services: [] }),
    });
    render(<LabPanel createEventSource={factory} />);
    await waitFor(() => expect(FakeEventSource.last?.url).toBe('/api/lab/events'));
    expect(calls.some((c) => c.path === '/api/lab/events')).toBe(false);
  });
});
