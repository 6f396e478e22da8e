import { render, screen, waitFor, within } from '@testing-library/react';
import type uPlot from 'uplot';
import { describe, expect, it } from 'vitest';
import { fakeApi, problem } from '../test/fakeApi';
import { align, CHARTS, colourOf, latest, MetricsSection, plotting, RANGE_S, STEP_S, toSeries } from './MetricsCharts';

// uPlot draws on a canvas, which jsdom lacks: a stand-in records what it was given.
const plots: { data: unknown; series: unknown[]; destroyed: boolean }[] = [];
plotting.load = async () =>
  class {
    rec: { data: unknown; series: unknown[]; destroyed: boolean };
    constructor(opts: { series: unknown[] }, data: unknown) {
      this.rec = { data, series: opts.series, destroyed: false };
      plots.push(this.rec);
    }
    setData(data: unknown) {
      this.rec.data = data;
    }
    destroy() {
      this.rec.destroyed = true;
    }
  } as unknown as typeof uPlot;

const NOW = 1_700_000_000_000;
const matrix = (result: { metric: Record<string, string>; values: [number, string][] }[]) => ({
  status: 'success',
  data: { resultType: 'matrix', result },
});

describe('toSeries and align', () => {
  it('names series by service, else job, scales them, and keeps gaps as null', () => {
    const s = toSeries(
      {
        resultType: 'matrix',
        result: [
          { metric: { job: 'warehouse' }, values: [[10, '0.5'], [15, 'NaN']] },
          { metric: { job: 'x', service: 'ordering' }, values: [[15, '0.25']] },
        ],
      },
      undefined,
      1000,
    );
    expect(s.map((x) => x.label)).toEqual(['ordering', 'warehouse']); // the lab's order of services
    expect(s[1].points).toEqual([[10, 500], [15, null]]);
    expect(latest(s[1])).toBe(500);
    expect(align(s)).toEqual([[10, 15], [null, 250], [500, null]]);
  });
});

describe('colourOf', () => {
  it('gives each process its own colour in every chart, whatever its place', () => {
    expect(colourOf('billing', 0)).toBe(colourOf('billing', 4));
    expect(colourOf('gateway', 3)).not.toBe(colourOf('ordering', 3));
    expect(colourOf('created', 1)).toBe(colourOf('customers', 0)); // other series go by their place
  });
});

describe('MetricsSection', () => {
  it('queries each chart over the last minutes and shows the latest value of each series', async () => {
    const { calls } = fakeApi({
      'GET /api/lab/metrics/query_range': ({ url }) => {
        const q = url.searchParams.get('query') ?? '';
        if (q.includes('lab_orders_created_total')) return matrix([{ metric: {}, values: [[1, '3'], [2, '4']] }]);
        if (q.includes('lab_orders_')) return matrix([{ metric: {}, values: [[1, '1']] }]);
        if (q.startsWith('histogram_quantile(0.99')) return matrix([{ metric: { job: 'ordering' }, values: [[1, '0.120']] }]);
        if (q.startsWith('histogram_quantile')) return matrix([{ metric: { job: 'ordering' }, values: [[1, '0.004']] }]);
        if (q.includes('5..')) return matrix([{ metric: { job: 'warehouse' }, values: [[1, '0.2']] }]);
        return matrix([
          { metric: { job: 'gateway' }, values: [[1, '2'], [2, '2.5']] },
          { metric: { job: 'ordering' }, values: [[1, '1.5']] },
        ]);
      },
    });
    render(<MetricsSection available refreshMs={60000} now={() => NOW} prometheus="http://127.0.0.1:9090" />);

    const rate = await screen.findByRole('list', { name: /Requests per second, per service: latest values/ }, { timeout: 5000 });
    expect(within(rate).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['gateway: 2.5 per s', 'ordering: 1.5 per s']);
    const errors = await screen.findByRole('list', { name: /Error rate.*latest values/ }, { timeout: 5000 });
    expect(errors.textContent).toBe('warehouse: 20 %');
    expect((await screen.findByRole('list', { name: /p50.*latest values/ }, { timeout: 5000 })).textContent).toBe('ordering: 4 ms');
    expect((await screen.findByRole('list', { name: /p99.*latest values/ }, { timeout: 5000 })).textContent).toBe('ordering: 120 ms');
    const orders = await screen.findByRole('list', { name: /Orders.*latest values/ }, { timeout: 5000 });
    expect(within(orders).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'created: 4',
      'completed: 1',
      'canceled: 1',
    ]);
    expect(screen.getByRole('link', { name: 'Open Prometheus' }).getAttribute('href')).toBe('http://127.0.0.1:9090');

    const asked = calls.filter((c) => c.path === '/api/lab/metrics/query_range');
    expect(asked).toHaveLength(CHARTS.reduce((n, c) => n + c.queries.length, 0));
    for (const c of asked) {
      const p = new URLSearchParams(c.search);
      expect(Number(p.get('end'))).toBe(NOW / 1000);
      expect(Number(p.get('end')) - Number(p.get('start'))).toBe(RANGE_S);
      expect(Number(p.get('step'))).toBe(STEP_S);
    }
    expect(asked.some((c) => new URLSearchParams(c.search).get('query')!.includes('http_server_request_duration_seconds_bucket'))).toBe(true);
    await waitFor(() => expect(plots.length).toBe(CHARTS.length));
    // Each chart got a series per line, and its data aligned on one time axis.
    const rateSeries = plots.find((p) => (p.series as { label?: string }[]).some((x) => x.label === 'gateway'))!;
    expect(rateSeries.data).toEqual([[1, 2], [2, 2.5], [1.5, null]]);
  });

  it('reads again at its pace', async () => {
    const { calls } = fakeApi({ 'GET /api/lab/metrics/query_range': () => matrix([]) });
    render(<MetricsSection available refreshMs={30} now={() => NOW} />);
    const per = CHARTS.reduce((n, c) => n + c.queries.length, 0);
    await waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(per * 2), { timeout: 2000 });
    expect(screen.getAllByText(/No data yet/).length).toBe(CHARTS.length);
  });

  it('shows the problem when Prometheus fails', async () => {
    fakeApi({ 'GET /api/lab/metrics/query_range': () => problem(502, 'Bad Gateway', 'Prometheus did not answer') });
    render(<MetricsSection available refreshMs={60000} now={() => NOW} />);
    expect((await screen.findAllByText(/Prometheus did not answer/, undefined, { timeout: 5000 })).length).toBe(CHARTS.length);
  });

  it('says the variant lacks metrics and asks nothing', async () => {
    const { calls } = fakeApi({});
    render(<MetricsSection available={false} />);
    expect(screen.getByTestId('metrics-absent').textContent).toMatch(/lacks live metrics/);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toHaveLength(0);
  });
});
