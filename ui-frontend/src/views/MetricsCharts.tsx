import { useEffect, useRef, useState } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, byServiceOrder, FAULT_SERVICES, toProblem } from '../api';
import { Loading, ProblemView, Section } from '../components/common';
import type { Has } from './LabPanel';
import type { MatrixResult, Problem } from '../types';

/** The window a chart shows, its resolution, and how often it is read again. */
export const RANGE_S = 600;
export const STEP_S = 5;

/**
 * The series are grouped by the scrape job and a service label, whichever
 * Prometheus's scrape config gives each process (one job per process, or a
 * service label): the series is named by service, else by job.
 */
const BY = 'job, service';
const REQUESTS = 'http_server_request_duration_seconds';

export interface ChartSpec {
  id: string;
  title: string;
  unit: 'per s' | '%' | 'ms' | 'orders';
  /** One query per series group; a query's series are named by their labels, or by `label`. */
  queries: { query: string; label?: string }[];
  /** Turns Prometheus's value into the chart's unit. */
  scale?: number;
}

export const CHARTS: ChartSpec[] = [
  {
    id: 'rate',
    title: 'Requests per second, per service',
    unit: 'per s',
    queries: [{ query: `sum by (${BY}) (rate(${REQUESTS}_count[1m]))` }],
  },
  {
    id: 'errors',
    title: 'Error rate (5xx share), per service',
    unit: '%',
    scale: 100,
    queries: [
      {
        query: `sum by (${BY}) (rate(${REQUESTS}_count{http_response_status_code=~"5.."}[1m])) / sum by (${BY}) (rate(${REQUESTS}_count[1m]))`,
      },
    ],
  },
  {
    id: 'p50',
    title: 'Latency p50, per service',
    unit: 'ms',
    scale: 1000,
    queries: [{ query: `histogram_quantile(0.5, sum by (${BY}, le) (rate(${REQUESTS}_bucket[1m])))` }],
  },
  {
    id: 'p99',
    title: 'Latency p99, per service',
    unit: 'ms',
    scale: 1000,
    queries: [{ query: `histogram_quantile(0.99, sum by (${BY}, le) (rate(${REQUESTS}_bucket[1m])))` }],
  },
  {
    id: 'orders',
    title: 'Orders: created, completed, canceled (totals)',
    unit: 'orders',
    queries: [
      { query: 'sum(lab_orders_created_total)', label: 'created' },
      { query: 'sum(lab_orders_completed_total)', label: 'completed' },
      { query: 'sum(lab_orders_canceled_total)', label: 'canceled' },
    ],
  },
];

export interface Series {
  label: string;
  points: [number, number | null][];
}

/** Prometheus's matrix as named series: by service, else job, else the query's label. */
export function toSeries(result: MatrixResult, label?: string, scale = 1): Series[] {
  const out = (result.result ?? []).map((r) => ({
    label: label ?? r.metric.service ?? r.metric.job ?? (Object.values(r.metric).join(' ') || 'all'),
    points: r.values.map(([t, v]): [number, number | null] => {
      const n = Number(v);
      return [t, Number.isFinite(n) ? n * scale : null];
    }),
  }));
  if (label) return out;
  // The gateway first, then the services in the lab's one order.
  return byServiceOrder(out, (s) => s.label).sort((a, b) => Number(b.label === 'gateway') - Number(a.label === 'gateway'));
}

/** uPlot's aligned data: the union of every series' times, and each series' values at them (null where absent). */
export function align(series: Series[]): [number[], ...(number | null)[][]] {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const at = series.map((s) => new Map(s.points));
  return [times, ...at.map((m) => times.map((t) => m.get(t) ?? null))];
}

/** The last value of a series, in its unit. */
export function latest(s: Series): number | null {
  for (let i = s.points.length - 1; i >= 0; i--) if (s.points[i][1] !== null) return s.points[i][1];
  return null;
}

function formatValue(v: number | null, unit: ChartSpec['unit']): string {
  if (v === null) return '–';
  const r = Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100;
  return unit === 'orders' ? String(Math.round(v)) : `${r}${unit === '%' ? ' %' : ` ${unit}`}`;
}

/** A tick of the time axis: the time of day, to the second. */
function clock(t: number): string {
  return new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

// Colours with at least 3:1 contrast on white (WCAG 1.4.11), one per series.
const COLOURS = ['#1f5fbf', '#b8420f', '#2e7d32', '#7b3fa0', '#a3186b', '#00676b', '#5d4037'];

const PROCESSES = ['gateway', ...FAULT_SERVICES] as string[];

/** A series' colour: each process has its own in every chart; other series go by their place. */
export function colourOf(label: string, index: number): string {
  const p = PROCESSES.indexOf(label);
  return COLOURS[(p >= 0 ? p : index) % COLOURS.length];
}

type Load = { kind: 'loading' } | { kind: 'ready'; series: Series[] } | { kind: 'failed'; problem: Problem };

/** Reads a chart's queries every refreshMs over the last RANGE_S seconds. */
function useChartData(spec: ChartSpec, refreshMs: number, now: () => number): Load {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const end = Math.floor(now() / 1000);
    const start = end - RANGE_S;
    Promise.all(
      spec.queries.map((q) =>
        api.metricsRange(q.query, start, end, STEP_S, ctrl.signal).then((m) => toSeries(m, q.label, spec.scale)),
      ),
    )
      .then(
        (parts) => {
          if (!ctrl.signal.aborted) setLoad({ kind: 'ready', series: parts.flat() });
        },
        (err: unknown) => {
          if (!ctrl.signal.aborted) setLoad({ kind: 'failed', problem: toProblem(err) });
        },
      )
      .finally(() => {
        if (!ctrl.signal.aborted) timer = setTimeout(() => setTick((t) => t + 1), refreshMs);
      });
    return () => {
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [spec, refreshMs, tick, now]);
  return load;
}

/** How the charts get uPlot: loaded with the first chart (a stand-in in tests, where there is no canvas). */
export const plotting: { load: () => Promise<typeof uPlot> } = {
  load: () => import('uplot').then((m) => m.default),
};

/** The canvas of one chart, drawn by uPlot. */
function Plot({ spec, series }: { spec: ChartSpec; series: Series[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = series.map((s) => s.label).join('|');

  useEffect(() => {
    let cancelled = false;
    const el = box.current;
    if (!el) return;
    void plotting.load().then((UPlot) => {
      if (cancelled) return;
      const width = Math.max(260, el.clientWidth || 480);
      plot.current = new UPlot(
        {
          width,
          height: 180,
          legend: { show: false }, // the table below names every series with its value
          scales: { x: { time: true } },
          axes: [
            { space: 80, values: (_u, ticks) => ticks.map(clock) },
            { size: 70, values: (_u, ticks) => ticks.map((t) => formatValue(t, spec.unit)) },
          ],
          series: [
            {},
            ...series.map((s, i) => ({
              label: s.label,
              stroke: colourOf(s.label, i),
              width: 2,
              points: { show: false },
            })),
          ],
        },
        align(series) as uPlot.AlignedData,
        el,
      );
    });
    return () => {
      cancelled = true;
      plot.current?.destroy();
      plot.current = null;
    };
    // A new set of series makes a new chart; new values of the same series only new data.
  }, [labels, spec]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    plot.current?.setData(align(series) as uPlot.AlignedData);
  }, [series]);

  return <div ref={box} className="chart-canvas" aria-hidden="true" />;
}

function Chart({ spec, refreshMs, now }: { spec: ChartSpec; refreshMs: number; now: () => number }) {
  const load = useChartData(spec, refreshMs, now);
  const titleId = `chart-${spec.id}`;
  return (
    <figure className="chart" aria-labelledby={titleId} data-chart={spec.id}>
      <figcaption id={titleId}>
        <h3>{spec.title}</h3>
      </figcaption>
      {load.kind === 'loading' ? <Loading what={spec.title.toLowerCase()} /> : null}
      {load.kind === 'failed' ? <ProblemView problem={load.problem} context="Could not query Prometheus" /> : null}
      {load.kind === 'ready' && load.series.length === 0 ? (
        <p className="hint">No data yet: Prometheus has not scraped this, or nothing has happened.</p>
      ) : null}
      {load.kind === 'ready' && load.series.length > 0 ? (
        <>
          <Plot spec={spec} series={load.series} />
          <ul className="chart-legend" aria-label={`${spec.title}: latest values`}>
            {load.series.map((s, i) => (
              <li key={s.label} data-series={s.label}>
                <span className="swatch" style={{ background: colourOf(s.label, i) }} aria-hidden="true" />
                {s.label}: <span className="num">{formatValue(latest(s), spec.unit)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </figure>
  );
}

/**
 * Live charts from Prometheus (through the gateway's /api/lab/metrics/query_range)
 * where metrics run; elsewhere a line that says the variant lacks them.
 */
export function MetricsSection({
  available,
  prometheus,
  refreshMs = 5000,
  now = Date.now,
}: {
  available: Has;
  prometheus?: string;
  refreshMs?: number;
  now?: () => number;
}) {
  return (
    <Section title="Live metrics" id="lab-metrics">
      {available ? (
        <>
          <p className="hint">
            From Prometheus, the last {RANGE_S / 60} minutes, read again every {Math.round(refreshMs / 1000)} s.
            {prometheus ? (
              <>
                {' '}
                <a href={prometheus} target="_blank" rel="noreferrer">
                  Open Prometheus
                </a>
                .
              </>
            ) : null}
          </p>
          <div className="chart-grid">
            {CHARTS.map((c) => (
              <Chart key={c.id} spec={c} refreshMs={refreshMs} now={now} />
            ))}
          </div>
        </>
      ) : (
        <p className="absent" data-testid="metrics-absent">
          This variant lacks live metrics: no Prometheus runs beside it. The metrics variant (make run-metrics)
          has them.
        </p>
      )}
    </Section>
  );
}
