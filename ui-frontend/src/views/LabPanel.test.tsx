import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeApi, json, problem } from '../test/fakeApi';
import {
  BreakersSection,
  EventsSection,
  FaultsSection,
  InfoSection,
  LabPanel,
  type EventSourceLike,
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

describe('InfoSection', () => {
  it('shows the variant and the health of each service, ignoring unknown fields', async () => {
    fakeApi({
      'GET /api/lab/info': () => ({
        variant: 'event-notification',
        broker: { url: 'amqp://x' },
        services: [
          { name: 'ordering', url: 'http://127.0.0.1:8082', healthy: true, version: 3 },
          { name: 'billing', url: 'http://127.0.0.1:8085', healthy: false },
        ],
      }),
    });
    render(<InfoSection refreshMs={0} />);
    expect((await screen.findByTestId('variant-name')).textContent).toBe('event-notification');
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      'orderinghealthyhttp://127.0.0.1:8082',
      'billingdownhttp://127.0.0.1:8085',
    ]);
  });
});

describe('BreakersSection', () => {
  it('says the variant has no circuit breakers on 404 and stops asking', async () => {
    const { calls } = fakeApi({});
    render(<BreakersSection refreshMs={20} />);
    expect((await screen.findByTestId('breakers-absent')).textContent).toBe('This variant has no circuit breakers.');
    await new Promise((r) => setTimeout(r, 100));
    expect(calls.filter((c) => c.path === '/api/lab/breakers')).toHaveLength(1);
  });

  it('lists breaker states and refreshes them', async () => {
    let state = 'closed';
    fakeApi({ 'GET /api/lab/breakers': () => [{ service: 'ordering', name: 'warehouse', state }] });
    render(<BreakersSection refreshMs={20} />);
    await screen.findByText('closed');
    state = 'open';
    await screen.findByText('open');
  });
});

describe('FaultsSection', () => {
  it('says the variant lacks fault injection when every service answers 404', async () => {
    fakeApi({});
    render(<FaultsSection />);
    expect((await screen.findByTestId('faults-absent')).textContent).toBe('This variant lacks fault injection.');
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
    render(<FaultsSection />);
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

  it('marks the services without faults and keeps the others usable', async () => {
    fakeApi({
      'GET /api/lab/faults/ordering': () => ({ errorRate: 0, errorStatus: 503, latencyMs: 0, latencyJitterMs: 0, down: '' }),
    });
    render(<FaultsSection />);
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
    await screen.findByTestId('breakers-absent');
    await screen.findByTestId('faults-absent');
  });
});
