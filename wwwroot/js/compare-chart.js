// Overlays one metric of many runs (LayerLab compare page). History comes from /api/compare/metrics; every series is
// downsampled per pixel keeping each bucket's min and max (no point cap), and re-sampled at full resolution when
// zoomed. Options: smoothing (EMA weight 0..0.99), log axes. Uses the uPlot global from wwwroot/lib.
import { alignSeries, downsampleMinMax, seriesColor } from './run-chart.js';

const charts = new Map();
let nextHandle = 1;

/** runs: [{ runId, label }] in legend order. Returns a handle at once; data-state becomes "ready" when drawn. */
export function mountCompareChart(element, runs, metric, options) {
  const handle = nextHandle++;
  const chart = { element, runs, metric, options: { smoothing: 0, logX: false, logY: false, height: 380, ...(options ?? {}) }, raw: [], u: null, range: null };
  charts.set(handle, chart);
  element.setAttribute('data-state', 'loading');
  load(chart).catch((err) => {
    element.setAttribute('data-state', 'error');
    element.textContent = `Could not load metrics: ${err?.message ?? err}`;
  });
  return handle;
}

export function setCompareOptions(handle, options) {
  const chart = charts.get(handle);
  if (!chart) return;
  chart.options = { ...chart.options, ...options };
  chart.range = null;
  render(chart, true);
}

export function disposeCompareChart(handle) {
  const chart = charts.get(handle);
  if (!chart) return;
  chart.u?.destroy();
  chart.ro?.disconnect();
  charts.delete(handle);
}

async function load(chart) {
  const ids = chart.runs.map((r) => r.runId).join(',');
  const res = await fetch(`api/compare/metrics?runs=${ids}&key=${encodeURIComponent(chart.metric)}`, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = await res.json();
  const byId = new Map(body.runs.map((r) => [String(r.runId), r]));
  chart.raw = chart.runs.map((r) => {
    const s = byId.get(String(r.runId)) ?? { steps: [], values: [] };
    return { xs: Float64Array.from(s.steps), ys: Float64Array.from(s.values, (v) => (v == null ? NaN : v)) };
  });
  const points = chart.raw.reduce((n, s) => n + s.xs.length, 0);
  chart.element.setAttribute('data-point-count', String(points));
  chart.element.setAttribute('data-series-count', String(chart.raw.filter((s) => s.xs.length > 0).length));
  chart.ro = new ResizeObserver(() => render(chart, false));
  chart.ro.observe(chart.element);
  render(chart, true);
  chart.element.setAttribute('data-state', 'ready');
}

/** Exponential moving average that skips NaN (the debiased form, so early points are not pulled to 0). */
export function smoothEma(ys, weight) {
  if (!(weight > 0)) return ys;
  const out = new Float64Array(ys.length);
  let acc = 0, norm = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (Number.isNaN(y)) { out[i] = NaN; continue; }
    acc = acc * weight + (1 - weight) * y;
    norm = norm * weight + (1 - weight);
    out[i] = acc / norm;
  }
  return out;
}

function extent(raw) {
  let lo = Infinity, hi = -Infinity;
  for (const s of raw) if (s.xs.length) { lo = Math.min(lo, s.xs[0]); hi = Math.max(hi, s.xs[s.xs.length - 1]); }
  return lo <= hi ? { min: lo, max: hi } : null;
}

function buildData(chart, width) {
  const range = chart.range ?? extent(chart.raw);
  const buckets = Math.max(16, width - 70);
  const list = chart.raw.map((s) => range
    ? downsampleMinMax(s.xs, smoothEma(s.ys, chart.options.smoothing), range.min, range.max, buckets, { logX: chart.options.logX, positiveOnly: chart.options.logY })
    : { xs: [], ys: [] });
  return alignSeries(list);
}

function render(chart, rebuild) {
  const width = Math.floor(chart.element.clientWidth);
  if (width === 0 || !window.uPlot) return;
  const data = buildData(chart, width);
  if (chart.u && !rebuild) {
    chart.u.setSize({ width, height: chart.options.height });
    chart.u.setData(data, false);
    return;
  }
  chart.u?.destroy();
  const series = [{ label: 'step' }, ...chart.runs.map((r, i) => ({ label: r.label, stroke: seriesColor(i), width: 1.25, spanGaps: true, points: { show: false } }))];
  chart.u = new window.uPlot({
    width, height: chart.options.height, series,
    scales: { x: { time: false, distr: chart.options.logX ? 3 : 1 }, y: { distr: chart.options.logY ? 3 : 1 } },
    axes: [{ label: 'step' }, { label: chart.metric, size: 70, values: (u, splits) => splits.map(compact) }],
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    hooks: {
      setSelect: [(u) => {
        if (u.select.width < 5) return;
        // Zoom: re-sample the window at full resolution instead of stretching the overview.
        chart.range = { min: u.posToVal(u.select.left, 'x'), max: u.posToVal(u.select.left + u.select.width, 'x') };
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        render(chart, true);
      }],
      ready: [(u) => u.over.addEventListener('dblclick', () => { chart.range = null; render(chart, true); })],
    },
  }, data, chart.element);
  if (chart.range) chart.u.setScale('x', chart.range);
}

/** Short tick labels: diverged runs can put 1e30 beside 0.2, and long labels would be cut off. */
function compact(v) {
  if (v == null) return '';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}
