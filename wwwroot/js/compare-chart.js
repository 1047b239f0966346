// Overlays one metric of many runs (LayerLab compare page). History comes from /api/compare/metrics; every series is
// downsampled per pixel keeping each bucket's min and max (no point cap), and re-sampled at full resolution when
// zoomed. Options: smoothing (EMA weight 0..0.99), log axes, x by step / wall time / time since the run started
// (xMode 'step' | 'wall' | 'relative'; points stored without a time are left out of the time axes), and groupBy: a
// parameter name whose runs with equal values become one mean line with a min–max band. Uses the uPlot global.
import { alignSeries, downsampleMinMax, seriesColor } from './run-chart.js';

const charts = new Map();
let nextHandle = 1;

/** runs: [{ runId, label }] in legend order. Returns a handle at once; data-state becomes "ready" when drawn. */
export function mountCompareChart(element, runs, metric, options) {
  const handle = nextHandle++;
  const chart = { element, runs, metric, options: { smoothing: 0, logX: false, logY: false, height: 380, xMode: 'step', groupBy: null, ...(options ?? {}) }, data: [], raw: [], u: null, range: null };
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
  if (chart.data.length) project(chart);
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
  chart.data = chart.runs.map((r) => byId.get(String(r.runId)) ?? { steps: [], values: [], times: [], startedAt: null });
  project(chart);
  const points = chart.raw.reduce((n, s) => n + s.xs.length, 0);
  chart.element.setAttribute('data-point-count', String(points));
  chart.element.setAttribute('data-series-count', String(chart.raw.filter((s) => s.xs.length > 0).length));
  chart.ro = new ResizeObserver(() => render(chart, false));
  chart.ro.observe(chart.element);
  render(chart, true);
  chart.element.setAttribute('data-state', 'ready');
}

/**
 * The x of every point for the chosen axis: the step; the report time (Unix seconds, a date axis); or seconds since
 * the run started (its start time, or its first timed point if earlier). Sorted by x, points without a time dropped.
 */
function project(chart) {
  const mode = chart.options.xMode ?? 'step';
  chart.raw = chart.data.map((s) => {
    const ys = Float64Array.from(s.values, (v) => (v == null ? NaN : v));
    if (mode === 'step') return { xs: Float64Array.from(s.steps), ys };
    const times = s.times ?? [];
    let origin = 0;
    if (mode === 'relative') {
      // The run's start, or its first point when that is earlier (an external client's clock may run behind ours).
      origin = s.startedAt ?? Infinity;
      for (const t of times) if (t != null && t < origin) origin = t;
    }
    const order = [];
    for (let i = 0; i < times.length; i++) if (times[i] != null) order.push(i);
    order.sort((a, b) => times[a] - times[b] || s.steps[a] - s.steps[b]);
    const xs = new Float64Array(order.length), out = new Float64Array(order.length);
    order.forEach((i, k) => { xs[k] = (times[i] - origin) / 1000; out[k] = ys[i]; });
    return { xs, ys: out };
  });
  chart.element.setAttribute('data-x-mode', mode);
  const groups = groupsOf(chart);
  chart.element.setAttribute('data-group-count', String(groups ? groups.length : 0));
}

/** Runs grouped by the value of chart.options.groupBy, in first-seen order; null when not grouping. */
function groupsOf(chart) {
  const name = chart.options.groupBy;
  if (!name) return null;
  const groups = new Map();
  chart.runs.forEach((r, i) => {
    const value = r.params?.[name] ?? '∅';
    if (!groups.has(value)) groups.set(value, []);
    groups.get(value).push(i);
  });
  return [...groups].map(([value, members]) => ({ label: `${name}=${value}`, members }));
}

/**
 * One group's mean and min–max over its runs on a grid of buckets across [x0, x1]: each run contributes its last
 * finite (smoothed) value in a bucket, so runs logged at different steps or times still line up.
 */
export function groupBand(series, x0, x1, buckets, logX) {
  const n = Math.max(1, Math.floor(buckets));
  const base = logX ? Math.log(x0) : x0;
  const width = ((logX ? Math.log(x1) : x1) - base) / n;
  const sum = new Float64Array(n), count = new Int32Array(n);
  const lo = new Float64Array(n).fill(Infinity), hi = new Float64Array(n).fill(-Infinity);
  for (const s of series) {
    const last = new Float64Array(n).fill(NaN);
    for (let i = 0; i < s.xs.length; i++) {
      const x = s.xs[i], y = s.ys[i];
      if (!(x >= x0 && x <= x1) || !Number.isFinite(y) || (logX && !(x > 0))) continue;
      const b = width > 0 ? Math.min(n - 1, Math.floor(((logX ? Math.log(x) : x) - base) / width)) : 0;
      last[b] = y;
    }
    for (let b = 0; b < n; b++) {
      const y = last[b];
      if (Number.isNaN(y)) continue;
      sum[b] += y; count[b]++;
      if (y < lo[b]) lo[b] = y;
      if (y > hi[b]) hi[b] = y;
    }
  }
  const xs = [], mean = [], min = [], max = [];
  for (let b = 0; b < n; b++) {
    if (count[b] === 0) continue;
    const mid = base + (b + 0.5) * width;
    xs.push(logX ? Math.exp(mid) : mid);
    mean.push(sum[b] / count[b]); min.push(lo[b]); max.push(hi[b]);
  }
  return { xs, mean, min, max };
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
  const smoothed = chart.raw.map((s) => ({ xs: s.xs, ys: smoothEma(s.ys, chart.options.smoothing) }));
  const groups = groupsOf(chart);
  if (groups) {
    // Per group: min, max (the band) and mean; fewer buckets than pixels so each holds points of most runs.
    const list = [];
    for (const g of groups) {
      const band = range ? groupBand(g.members.map((i) => smoothed[i]), range.min, range.max, Math.max(8, buckets / 4), chart.options.logX)
        : { xs: [], mean: [], min: [], max: [] };
      list.push({ xs: band.xs, ys: band.min }, { xs: band.xs, ys: band.max }, { xs: band.xs, ys: band.mean });
    }
    return alignSeries(list);
  }
  const list = smoothed.map((s) => range
    ? downsampleMinMax(s.xs, s.ys, range.min, range.max, buckets, { logX: chart.options.logX, positiveOnly: chart.options.logY })
    : { xs: [], ys: [] });
  return alignSeries(list);
}

const X_LABELS = { step: 'step', wall: 'wall time', relative: 'seconds since the run started' };

function seriesAndBands(chart) {
  const groups = groupsOf(chart);
  if (!groups) {
    return { series: chart.runs.map((r, i) => ({ label: r.label, stroke: seriesColor(i), width: 1.25, spanGaps: true, points: { show: false } })), bands: [] };
  }
  const series = [], bands = [];
  groups.forEach((g, k) => {
    const color = seriesColor(k);
    const base = series.length + 1; // uPlot series 0 is x
    series.push({ label: `${g.label} min`, stroke: color, width: 0, spanGaps: true, points: { show: false } });
    series.push({ label: `${g.label} max`, stroke: color, width: 0, spanGaps: true, points: { show: false } });
    series.push({ label: `${g.label} mean (${g.members.length} runs)`, stroke: color, width: 2, spanGaps: true, points: { show: false } });
    bands.push({ series: [base + 1, base], fill: withAlpha(color, 0.18) });
  });
  return { series, bands };
}

function withAlpha(color, alpha) {
  if (color.startsWith('#') && color.length === 7) {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
    return `rgba(${r},${g},${b},${alpha})`;
  }
  return color.replace(/^hsl\((.*)\)$/, `hsla($1, ${alpha})`);
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
  const mode = chart.options.xMode ?? 'step';
  const { series, bands } = seriesAndBands(chart);
  chart.element.setAttribute('data-band-count', String(bands.length));
  chart.u = new window.uPlot({
    width, height: chart.options.height, series: [{ label: X_LABELS[mode] }, ...series], bands,
    scales: { x: { time: mode === 'wall', distr: chart.options.logX && mode !== 'wall' ? 3 : 1 }, y: { distr: chart.options.logY ? 3 : 1 } },
    axes: [{ label: X_LABELS[mode] }, { label: chart.metric, size: 70, values: (u, splits) => splits.map(compact) }],
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
