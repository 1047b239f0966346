// Overlays one metric of many runs (LayerLab compare page). History comes from /api/compare/metrics in its binary
// form (typed arrays viewed in place on the response buffer: no JSON parse, no per-point objects); report times are
// fetched only when the x axis needs them. Every series is downsampled per pixel keeping each bucket's min and max
// (no point cap: all points stay held here), and re-sampled at full resolution when zoomed. Options: smoothing (EMA
// weight 0..0.99), log axes, x by step / wall time / time since the run started (xMode 'step' | 'wall' | 'relative';
// points stored without a time are left out of the time axes), and groupBy: a parameter name whose runs with equal
// values become one mean line with a min–max band. Uses the uPlot global. performance.mark()s named 'compare:*'
// time each stage of the first draw (bench/LiveBench reads them).
import { alignSeries, describeSeries, downsampleMinMax, lowerBound, upperBound } from './chart-data.js';
import { chartTheme, onThemeChange, seriesColor } from './chart-theme.js';
import { renderDataSummary } from './chart-summary.js';

const charts = new Map();
let nextHandle = 1;

/** runs: [{ runId, label }] in legend order. Returns a handle at once; data-state becomes "ready" when drawn. */
export function mountCompareChart(element, runs, metric, options) {
  const handle = nextHandle++;
  const chart = { element, runs, metric, options: { smoothing: 0, logX: false, logY: false, height: 380, xMode: 'step', groupBy: null, ...(options ?? {}) }, data: [], raw: [], u: null, range: null, withTimes: false };
  charts.set(handle, chart);
  // A new theme redraws in its colours (series and axes).
  chart.stopTheme = onThemeChange(() => { if (chart.u) render(chart, true); });
  performance.mark('compare:mount');
  element.setAttribute('data-state', 'loading');
  load(chart).catch((err) => failed(chart, err));
  return handle;
}

export function setCompareOptions(handle, options) {
  const chart = charts.get(handle);
  if (!chart) return;
  chart.options = { ...chart.options, ...options };
  chart.range = null;
  if (needsTimes(chart) && !chart.withTimes) {
    // Times are fetched once, the first time a time axis is chosen (the step axis never needs them).
    chart.element.setAttribute('data-state', 'loading');
    chart.timesLoad ??= fetchHistory(chart, true).then((data) => { chart.data = data; chart.withTimes = true; });
    chart.timesLoad.then(() => {
      if (!charts.has(handle)) return;
      project(chart);
      render(chart, true);
      chart.element.setAttribute('data-state', 'ready');
    }).catch((err) => failed(chart, err));
    return;
  }
  if (chart.data.length) project(chart);
  render(chart, true);
}

export function disposeCompareChart(handle) {
  const chart = charts.get(handle);
  if (!chart) return;
  chart.u?.destroy();
  chart.ro?.disconnect();
  chart.stopTheme?.();
  chart.summary?.remove();
  charts.delete(handle);
}

function failed(chart, err) {
  chart.element.setAttribute('data-state', 'error');
  chart.stopTheme?.();
  chart.element.textContent = `Could not load metrics: ${err?.message ?? err}`;
}

const needsTimes = (chart) => (chart.options.xMode ?? 'step') !== 'step';

async function load(chart) {
  const withTimes = needsTimes(chart);
  const data = await fetchHistory(chart, withTimes);
  // A time axis chosen while this was loading has fetched the history with times already: keep that one.
  if (!chart.withTimes) { chart.data = data; chart.withTimes = withTimes; }
  project(chart);
  performance.mark('compare:projected');
  const points = chart.data.reduce((n, s) => n + s.steps.length, 0);
  chart.element.setAttribute('data-point-count', String(points));
  chart.element.setAttribute('data-series-count', String(chart.data.filter((s) => s.steps.length > 0).length));
  // Only a real change of width redraws: the observer's first call (right after the first draw) would otherwise
  // downsample everything a second time inside the first frame.
  chart.ro = new ResizeObserver(() => { if (Math.floor(chart.element.clientWidth) !== chart.width) render(chart, false); });
  chart.ro.observe(chart.element);
  render(chart, true);
  chart.element.setAttribute('data-state', 'ready');
}

/** The runs' histories in chart.runs order (a run the portal did not return is empty). */
async function fetchHistory(chart, withTimes) {
  const ids = chart.runs.map((r) => r.runId).join(',');
  const url = `api/compare/metrics?runs=${ids}&key=${encodeURIComponent(chart.metric)}&format=bin&times=${withTimes}`;
  const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/octet-stream' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const buffer = await res.arrayBuffer();
  performance.mark('compare:received');
  const byId = new Map(decodeCompareHistory(buffer).map((r) => [String(r.runId), r]));
  const empty = { steps: new Float64Array(0), values: new Float64Array(0), times: null, startedAt: null };
  return chart.runs.map((r) => byId.get(String(r.runId)) ?? empty);
}

/**
 * Reads the binary compare format (docs/api.md; src/Web/Compare/CompareHistoryBinary.cs) into typed-array views on
 * the buffer itself: [{ runId, startedAt (Unix ms or null), steps (Int32Array | Float64Array), values (Float64Array,
 * NaN where JSON says null), times (Float64Array of Unix ms, NaN where none; null when not sent) }].
 */
export function decodeCompareHistory(buffer) {
  const view = new DataView(buffer);
  const magic = String.fromCharCode(view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3));
  if (magic !== 'LLCH' || view.getUint32(4, true) !== 1) throw new Error('not a version 1 compare history');
  const runCount = view.getUint32(8, true);
  const runs = [];
  let at = 16;
  for (let r = 0; r < runCount; r++) {
    const runId = Number(view.getBigInt64(at, true));
    const started = view.getFloat64(at + 8, true);
    const n = view.getUint32(at + 16, true);
    const stepWidth = view.getUint32(at + 20, true);
    const hasTimes = view.getUint32(at + 24, true) === 1;
    at += 32;
    const steps = stepWidth === 4 ? new Int32Array(buffer, at, n) : new Float64Array(buffer, at, n);
    at += (n * stepWidth + 7) & ~7;
    const values = new Float64Array(buffer, at, n);
    at += n * 8;
    const times = hasTimes ? new Float64Array(buffer, at, n) : null;
    if (hasTimes) at += n * 8;
    runs.push({ runId, startedAt: Number.isNaN(started) ? null : started, steps, values, times });
  }
  return runs;
}

/**
 * The x of every point for the chosen axis: the step; the report time (Unix seconds, a date axis); or seconds since
 * the run started (its start time, or its first timed point if earlier). Sorted by x, points without a time dropped.
 * The step axis uses the received arrays as they are (no copy of 2 M points).
 */
function project(chart) {
  const mode = chart.options.xMode ?? 'step';
  chart.smoothed = null;
  chart.raw = chart.data.map((s) => {
    if (mode === 'step') return { xs: s.steps, ys: s.values };
    const times = s.times ?? new Float64Array(0);
    const n = times.length;
    let origin = 0;
    if (mode === 'relative') {
      // The run's start, or its first point when that is earlier (an external client's clock may run behind ours).
      origin = s.startedAt ?? Infinity;
      for (let i = 0; i < n; i++) if (times[i] < origin) origin = times[i];
    }
    // Usually every point has a time and times grow with the step: then no sort is needed.
    let ordered = true;
    for (let i = 0; i < n && ordered; i++) ordered = times[i] >= (i > 0 ? times[i - 1] : -Infinity);
    if (ordered) {
      const xs = new Float64Array(n);
      for (let i = 0; i < n; i++) xs[i] = (times[i] - origin) / 1000;
      return { xs, ys: s.values };
    }
    const order = [];
    for (let i = 0; i < n; i++) if (!Number.isNaN(times[i])) order.push(i);
    order.sort((a, b) => times[a] - times[b] || s.steps[a] - s.steps[b]);
    const xs = new Float64Array(order.length), out = new Float64Array(order.length);
    order.forEach((i, k) => { xs[k] = (times[i] - origin) / 1000; out[k] = s.values[i]; });
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
  // Smoothing runs over every held point: once per weight, not on every zoom or resize.
  if (chart.smoothed?.weight !== chart.options.smoothing) {
    chart.smoothed = { weight: chart.options.smoothing, list: chart.raw.map((s) => ({ xs: s.xs, ys: smoothEma(s.ys, chart.options.smoothing) })) };
  }
  const smoothed = chart.smoothed.list;
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
  const logX = chart.options.logX;
  const list = smoothed.map((s) => range
    ? snapToBuckets(s.xs, downsampleMinMax(s.xs, s.ys, range.min, range.max, buckets, { logX, positiveOnly: chart.options.logY }), range.min, range.max, buckets, logX)
    : { xs: [], ys: [] });
  return alignSeries(list);
}

/**
 * Puts a downsampled series' bucket extremes on x positions shared by every series: the first of a bucket's two
 * extremes at 1/3 of the bucket, the second at 2/3. Each series' min and max keep their values (and their order);
 * only their x moves, by less than one bucket (about one pixel). Without this, 20 runs' extremes fall on 20 different
 * sets of steps and uPlot gets a union of ~45k x values with 20 mostly-null columns; with it, ~2 per bucket. A series
 * whose window holds few enough points to be drawn at full resolution keeps its exact x values, as do the points
 * just outside the window (they only carry the line to the plot's edges).
 */
export function snapToBuckets(xsAll, ds, x0, x1, buckets, logX) {
  buckets = Math.max(1, Math.floor(buckets) || 1);
  const inside = upperBound(xsAll, x1) - lowerBound(xsAll, x0);
  if (inside <= 2 * buckets) return ds;
  const base = logX ? Math.log(x0) : x0;
  const width = ((logX ? Math.log(x1) : x1) - base) / buckets;
  if (!(width > 0) || !Number.isFinite(width)) return ds;
  const xs = new Array(ds.xs.length);
  let lastBucket = -1, slot = 0;
  for (let i = 0; i < ds.xs.length; i++) {
    const x = ds.xs[i];
    if (x < x0 || x > x1 || (logX && !(x > 0))) { xs[i] = x; continue; }
    const b = Math.min(buckets - 1, Math.max(0, Math.floor(((logX ? Math.log(x) : x) - base) / width)));
    slot = b === lastBucket ? slot + 1 : 1;
    lastBucket = b;
    const at = base + (b + slot / 3) * width;
    xs[i] = logX ? Math.exp(at) : at;
  }
  return { xs, ys: ds.ys };
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
  chart.width = width;
  const data = buildData(chart, width);
  if (!chart.u) performance.mark('compare:built'); // stage marks for the first draw only (they are kept by the page)
  chart.element.setAttribute('data-zoomed', String(chart.range != null));
  // The drawn extremes, for tests: downsampling must keep each bucket's minimum and maximum.
  chart.element.setAttribute('data-y-min', String(drawnMin(data)));
  chart.element.setAttribute('data-y-max', String(drawnMax(data)));
  if (chart.u && !rebuild) {
    chart.u.setSize({ width, height: chart.options.height });
    chart.u.setData(data, false);
    return;
  }
  chart.u?.destroy();
  const mode = chart.options.xMode ?? 'step';
  const { series, bands } = seriesAndBands(chart);
  const theme = chartTheme();
  const axis = { stroke: theme.axis, grid: { stroke: theme.grid }, ticks: { stroke: theme.grid } };
  chart.element.setAttribute('data-band-count', String(bands.length));
  chart.u = new window.uPlot({
    width, height: chart.options.height, series: [{ label: X_LABELS[mode] }, ...series], bands,
    scales: { x: { time: mode === 'wall', distr: chart.options.logX && mode !== 'wall' ? 3 : 1 }, y: { distr: chart.options.logY ? 3 : 1 } },
    axes: [{ ...axis, label: X_LABELS[mode] }, { ...axis, label: chart.metric, size: 70, values: (u, splits) => splits.map(compact) }],
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
  if (!chart.drawn) { performance.mark('compare:drawn'); chart.drawn = true; }
  summarize(chart, mode);
  if (chart.range) chart.u.setScale('x', chart.range);
}

/** The data as a table (keyboard and screen-reader alternative to the plot), after uPlot's root inside the element. */
function summarize(chart, mode) {
  chart.summary ??= document.createElement('details');
  chart.element.append(chart.summary);
  const rows = chart.runs.map((r, i) => ({ name: r.label, ...describeSeries(chart.raw[i]?.xs ?? [], chart.raw[i]?.ys ?? []) }));
  renderDataSummary(chart.summary, `${chart.metric} of ${rows.length} runs (raw, before smoothing)`, mode === 'step' ? 'step' : 'x', rows);
}

/** The largest finite y handed to uPlot (tests and the bench check that a spike survives downsampling). */
function drawnMin(data) {
  let min = Infinity;
  for (let k = 1; k < data.length; k++) for (const y of data[k]) if (y != null && y < min && y > -Infinity) min = y;
  return min;
}

function drawnMax(data) {
  let max = -Infinity;
  for (let k = 1; k < data.length; k++) for (const y of data[k]) if (y != null && y > max && y < Infinity) max = y;
  return max;
}

/** Short tick labels: diverged runs can put 1e30 beside 0.2, and long labels would be cut off. */
function compact(v) {
  if (v == null) return '';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}
