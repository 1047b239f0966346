// LayerLab run chart: draws a training run's metric curves with uPlot and appends live
// points pushed over SignalR.  Loaded by Blazor with import('/js/run-chart.js'); it loads
// /lib/uPlot.iife.min.js, /lib/uPlot.min.css, /lib/signalr.min.js (scripts/install-web-assets.sh)
// and /css/run-chart.css itself when the page has not already.
//
// Exports (the contract with the Blazor side):
//   mountRunChart(element, runId, options) -> handle (number, returned synchronously)
//   setLogScale(handle, 'x' | 'y', on)
//   resetZoom(handle)
//   setView(handle, { min, max } | null)                (options.onViewChange(view) reports the user's zooms)
//   disposeRunChart(handle)
//   subscribeRunUpdates(runId, dotNetRef) -> handle;  unsubscribeRunUpdates(handle)
//   getRunChartStats(handle)                           (numbers for tests / diagnostics)
//   downsampleMinMax(xs, ys, x0, x1, buckets, opts)   (pure, for unit checks)
//   alignSeries(list), mergeSortedUnique(a, b)         (pure, for unit checks)
//
// Data flow: the full history of every series is kept in growable Float64Arrays (no point
// cap).  What uPlot gets is only the visible x-window, reduced per series to the min and max
// of each pixel-wide bucket (full resolution once a window holds few enough points), merged
// onto one shared x grid with nulls (spanGaps).  Live points go into the store at once and
// one requestAnimationFrame redraw picks up everything that arrived since the last frame.
// The run's hub group is joined before the history is fetched, so no pushed point falls in
// between; merging is idempotent (a step already held for a key is ignored).
//
// Hub: GET api/runs/{runId}/metrics and hubs/runs, both relative to document.baseURI; one
// HubConnection per page (automatic reconnect, groups re-joined and history re-fetched after
// a reconnect). Server methods JoinRun(runId) / LeaveRun(runId); client events
// MetricsAppended { runId, points: [{ key, step, value }] } and RunUpdated { runId, status,
// progress, error }.
//
// The element gets data-state (loading|ready|error), data-point-count (points held),
// data-series-count (metric series), data-run-status (last RunUpdated status) and a
// 'runchart:ready' CustomEvent (detail: { handle, points, series, fetchMs, drawMs, error }).

const LIB_BASE = new URL('../lib/', import.meta.url);
const CSS_URL = new URL('../css/run-chart.css', import.meta.url);

// Series colours: the Okabe–Ito palette, told apart with the common colour-vision deficiencies (not red/green alone).
// Its black is left out (it vanishes on the dark theme) and each theme puts the colours that contrast most with its
// background first (yellow only on dark). The theme is <html data-theme> (wwwroot/js/theme.js); a 'layerlab:theme'
// event redraws every chart in the new colours.
const PALETTE_LIGHT = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
const PALETTE_DARK = ['#56B4E9', '#E69F00', '#F0E442', '#CC79A7', '#009E73', '#D55E00'];
const AXIS_FONT = '12px Roboto, "Helvetica Neue", Helvetica, Arial, sans-serif';

// ---------------------------------------------------------------------------------------
// Pure helpers (no DOM): binary search, min/max downsampling, sorted merge / alignment.
// ---------------------------------------------------------------------------------------

/** First index i in [lo, hi) with a[i] >= v (a sorted ascending). */
export function lowerBound(a, v, lo = 0, hi = a.length) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** First index i in [lo, hi) with a[i] > v (a sorted ascending). */
export function upperBound(a, v, lo = 0, hi = a.length) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= v) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/**
 * Reduces the points of one series inside [x0, x1] for display.
 * xs: strictly ascending steps; ys: values (NaN/null/non-finite are skipped).
 * When the window holds more than 2 * buckets points, the window is cut into `buckets`
 * equal-width buckets (equal width in log space when opts.logX) and each bucket keeps its
 * minimum and its maximum point (in their original order), so no extreme is ever dropped.
 * Otherwise every point in the window is kept (full resolution).
 * The nearest valid point just outside each end of the window is added too, so lines run
 * to the plot's edges.
 * opts: { length = xs.length (use a prefix of the arrays), logX = false (skip x <= 0,
 *         log-width buckets), positiveOnly = false (skip y <= 0, for a log y axis) }
 * Returns { xs: number[], ys: number[] } (x strictly ascending).
 */
export function downsampleMinMax(xs, ys, x0, x1, buckets, opts = {}) {
  const n = Math.min(opts.length ?? xs.length, xs.length, ys.length);
  const logX = !!opts.logX;
  const positiveOnly = !!opts.positiveOnly;
  const outX = [];
  const outY = [];
  if (n === 0 || !(x1 >= x0)) return { xs: outX, ys: outY };

  // On a log x axis nothing at x <= 0 exists; the steps are sorted, so just start after them.
  const first = logX ? upperBound(xs, 0, 0, n) : 0;
  if (logX && !(x1 > 0)) return { xs: outX, ys: outY };
  if (logX && x0 <= 0) x0 = first < n ? Math.min(xs[first], x1) : x1;

  // A point is drawable when its value is finite (and > 0 for a log y axis):
  // `y !== null && y > yLo && y < Infinity` (NaN fails both comparisons). Inlined below.
  const yLo = positiveOnly ? 0 : -Infinity;
  const emit = (i) => { outX.push(xs[i]); outY.push(ys[i]); };

  const lo = lowerBound(xs, x0, first, n);
  const hi = upperBound(xs, x1, lo, n);

  for (let i = lo - 1; i >= first; i--) {
    const y = ys[i];
    if (y !== null && y > yLo && y < Infinity) { emit(i); break; }
  }

  buckets = Math.max(1, Math.floor(buckets) || 1);
  const base = logX ? Math.log(x0) : x0;
  const width = ((logX ? Math.log(x1) : x1) - base) / buckets;

  if (hi - lo <= 2 * buckets || !(width > 0) || !Number.isFinite(width)) {
    for (let i = lo; i < hi; i++) {
      const y = ys[i];
      if (y !== null && y > yLo && y < Infinity) emit(i);
    }
  } else {
    // xs is sorted, so buckets are visited in order: compute a bucket only when x crosses
    // the current bucket's end, and keep the running min / max in locals.
    let bEnd = -Infinity;
    let iMin = -1, iMax = -1;
    let yMin = 0, yMax = 0;
    for (let i = lo; i < hi; i++) {
      const x = xs[i];
      if (x >= bEnd) {
        if (iMin >= 0) flushBucket(iMin, iMax, emit);
        iMin = iMax = -1;
        let b = Math.floor(((logX ? Math.log(x) : x) - base) / width);
        if (b >= buckets - 1) { b = buckets - 1; bEnd = Infinity; }
        else {
          if (b < 0) b = 0;
          bEnd = logX ? Math.exp(base + (b + 1) * width) : base + (b + 1) * width;
        }
      }
      const y = ys[i];
      if (y === null || !(y > yLo && y < Infinity)) continue;
      if (iMin < 0) { iMin = iMax = i; yMin = yMax = y; }
      else if (y < yMin) { yMin = y; iMin = i; }
      else if (y > yMax) { yMax = y; iMax = i; }
    }
    if (iMin >= 0) flushBucket(iMin, iMax, emit);
  }

  for (let i = hi; i < n; i++) {
    const y = ys[i];
    if (y !== null && y > yLo && y < Infinity) { emit(i); break; }
  }
  return { xs: outX, ys: outY };
}

function flushBucket(iMin, iMax, emit) {
  if (iMin === iMax) emit(iMin);
  else if (iMin < iMax) { emit(iMin); emit(iMax); }
  else { emit(iMax); emit(iMin); }
}

/** Merges two ascending arrays into one ascending array without duplicates. O(a + b). */
export function mergeSortedUnique(a, b) {
  const out = new Array(a.length + b.length);
  let i = 0, j = 0, k = 0;
  let last = NaN;
  while (i < a.length || j < b.length) {
    let v;
    if (j >= b.length || (i < a.length && a[i] <= b[j])) v = a[i++]; else v = b[j++];
    if (v !== last) { out[k++] = v; last = v; }
  }
  out.length = k;
  return out;
}

/**
 * Aligns series with different step grids for uPlot: list = [{ xs, ys }] (each xs strictly
 * ascending). Returns [xUnion, ys1, ys2, ...] where each ys column has null where its series
 * has no point. Union by pairwise sorted merges (O(N log K)), columns in O(union) each.
 */
export function alignSeries(list) {
  let level = list.map((s) => s.xs);
  if (level.length === 0) return [[]];
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? mergeSortedUnique(level[i], level[i + 1]) : level[i]);
    }
    level = next;
  }
  const xu = list.length === 1 ? Array.from(level[0]) : level[0];
  const out = [xu];
  for (const s of list) {
    const col = new Array(xu.length).fill(null);
    let u = 0;
    for (let k = 0; k < s.xs.length; k++) {
      const x = s.xs[k];
      while (xu[u] < x) u++;
      col[u] = s.ys[k];
    }
    out.push(col);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Series store: growable typed arrays, sorted by step, one value per step (idempotent).
// ---------------------------------------------------------------------------------------

class SeriesStore {
  constructor(key, color) {
    this.key = key;
    this.color = color;
    this.xs = new Float64Array(64);
    this.ys = new Float64Array(64);
    this.n = 0;
  }

  ensure(cap) {
    if (cap <= this.xs.length) return;
    let size = this.xs.length;
    while (size < cap) size *= 2;
    const xs = new Float64Array(size); xs.set(this.xs.subarray(0, this.n));
    const ys = new Float64Array(size); ys.set(this.ys.subarray(0, this.n));
    this.xs = xs; this.ys = ys;
  }

  /** Adds one point; returns false when the step is already present (ignored). */
  add(step, value) {
    const y = value == null ? NaN : +value;
    const n = this.n;
    if (n === 0 || step > this.xs[n - 1]) {
      this.ensure(n + 1);
      this.xs[n] = step; this.ys[n] = y; this.n = n + 1;
      return true;
    }
    const i = lowerBound(this.xs, step, 0, n);
    if (this.xs[i] === step) return false;
    this.ensure(n + 1);
    this.xs.copyWithin(i + 1, i, n);
    this.ys.copyWithin(i + 1, i, n);
    this.xs[i] = step; this.ys[i] = y; this.n = n + 1;
    return true;
  }

  /** Merges a history block (steps need not be sorted); returns the number of new points. */
  addMany(steps, values) {
    const m = Math.min(steps.length, values.length);
    if (m === 0) return 0;
    // Fast path: strictly ascending block after everything held (the usual history load).
    let ascending = true;
    for (let i = 1; i < m; i++) if (!(steps[i] > steps[i - 1])) { ascending = false; break; }
    if (ascending && (this.n === 0 || steps[0] > this.xs[this.n - 1])) {
      this.ensure(this.n + m);
      for (let i = 0; i < m; i++) {
        const v = values[i];
        this.xs[this.n + i] = +steps[i];
        this.ys[this.n + i] = v == null ? NaN : +v;
      }
      this.n += m;
      return m;
    }
    // General path: sort the block, then one sorted merge with what is held (O(n + m log m)).
    let order = null;
    if (!ascending) {
      order = new Uint32Array(m);
      for (let i = 0; i < m; i++) order[i] = i;
      order.sort((a, b) => steps[a] - steps[b] || a - b);
    }
    const bx = new Float64Array(m);
    const by = new Float64Array(m);
    let bm = 0;
    for (let k = 0; k < m; k++) {
      const i = order ? order[k] : k;
      const x = +steps[i];
      if (!Number.isFinite(x) || (bm > 0 && bx[bm - 1] === x)) continue;
      const v = values[i];
      bx[bm] = x; by[bm] = v == null ? NaN : +v; bm++;
    }
    const n = this.n;
    const xs = new Float64Array(Math.max(64, n + bm));
    const ys = new Float64Array(xs.length);
    let i = 0, j = 0, k = 0;
    while (i < n || j < bm) {
      if (j >= bm || (i < n && this.xs[i] < bx[j])) { xs[k] = this.xs[i]; ys[k] = this.ys[i]; i++; }
      else if (i >= n || bx[j] < this.xs[i]) { xs[k] = bx[j]; ys[k] = by[j]; j++; }
      else { xs[k] = this.xs[i]; ys[k] = this.ys[i]; i++; j++; } // same step: keep the held one
      k++;
    }
    const added = k - n;
    this.xs = xs; this.ys = ys; this.n = k;
    return added;
  }
}

// ---------------------------------------------------------------------------------------
// Library loading (uPlot / SignalR globals from wwwroot/lib, CSS links).
// ---------------------------------------------------------------------------------------

const loading = new Map();

function loadScriptOnce(url) {
  const href = String(url);
  if (!loading.has(href)) {
    loading.set(href, new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = href;
      s.async = true;
      s.onload = () => resolve();
      s.onerror = () => { loading.delete(href); reject(new Error(`could not load ${href}`)); };
      document.head.appendChild(s);
    }));
  }
  return loading.get(href);
}

function ensureCss(url) {
  const href = String(url);
  for (const l of document.querySelectorAll('link[rel="stylesheet"]')) {
    if (l.href === href) return;
  }
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.appendChild(link);
}

async function ensureUPlot(libBase) {
  ensureCss(new URL('uPlot.min.css', libBase));
  ensureCss(CSS_URL);
  if (!globalThis.uPlot) await loadScriptOnce(new URL('uPlot.iife.min.js', libBase));
  return globalThis.uPlot;
}

async function ensureSignalR(libBase) {
  if (!globalThis.signalR) await loadScriptOnce(new URL('signalr.min.js', libBase));
  return globalThis.signalR;
}

// ---------------------------------------------------------------------------------------
// Shared hub connection: one per page, automatic reconnect, group refcounts, re-join.
// ---------------------------------------------------------------------------------------

const charts = new Map();        // handle -> RunChart
const runSubs = new Map();       // handle -> { runId, ref }
let nextHandle = 1;

const hub = {
  conn: null,          // HubConnection (or a test double from options.connectionFactory)
  creating: null,      // Promise while the connection is being created
  connected: false,
  groups: new Map(),   // String(runId) -> { runId, count }
  retry: 0,
  retryTimer: 0,
};

function runKey(runId) { return String(runId); }

function hubEnsure(options) {
  if (hub.conn || hub.creating) return;
  hub.creating = (async () => {
    let conn;
    if (typeof options.connectionFactory === 'function') {
      conn = await options.connectionFactory();
    } else {
      const signalR = await ensureSignalR(options.libBase ? new URL(options.libBase, document.baseURI) : LIB_BASE);
      const url = options.hubUrl ?? new URL('hubs/runs', document.baseURI).href;
      conn = new signalR.HubConnectionBuilder()
        .withUrl(url)
        .withAutomaticReconnect({
          nextRetryDelayInMilliseconds: (ctx) => Math.min(30000, 1000 * 2 ** Math.min(ctx.previousRetryCount, 5)),
        })
        .configureLogging(signalR.LogLevel.Warning)
        .build();
    }
    conn.on('MetricsAppended', onMetricsAppended);
    conn.on('RunUpdated', onRunUpdated);
    conn.onreconnecting?.(() => { hub.connected = false; });
    conn.onreconnected?.(() => { hub.connected = true; rejoinAll(true); });
    conn.onclose?.(() => { hub.connected = false; scheduleHubStart(); });
    hub.conn = conn;
    hub.creating = null;
    await hubStart();
  })().catch((err) => {
    hub.creating = null;
    console.warn('[run-chart] live updates unavailable:', err?.message ?? err);
  });
}

async function hubStart() {
  const conn = hub.conn;
  if (!conn || hub.connected) return;
  try {
    await conn.start();
    hub.connected = true;
    hub.retry = 0;
    rejoinAll(false);
  } catch (err) {
    console.warn('[run-chart] hub connection failed, retrying:', err?.message ?? err);
    scheduleHubStart();
  }
}

function scheduleHubStart() {
  if (hub.retryTimer || !hub.conn) return;
  const delay = Math.min(30000, 1000 * 2 ** Math.min(hub.retry++, 5));
  hub.retryTimer = setTimeout(() => { hub.retryTimer = 0; hubStart(); }, delay);
}

function rejoinAll(afterReconnect) {
  for (const g of hub.groups.values()) invokeHub('JoinRun', g.runId);
  if (afterReconnect) {
    // Points pushed while the connection was down are lost: refetch history (merge is idempotent).
    for (const chart of charts.values()) chart.refetch();
  }
}

function invokeHub(method, runId) {
  if (!hub.conn || !hub.connected) return;
  Promise.resolve()
    .then(() => hub.conn.invoke(method, runId))
    .then(() => {
      // The history fetch races the join: points stored after the fetch read but before the group was joined
      // would be in neither. Fetching again once joined closes that gap (merging is idempotent).
      if (method !== 'JoinRun') return;
      for (const chart of charts.values()) if (String(chart.runId) === String(runId)) chart.onJoined();
    })
    .catch((err) => console.warn(`[run-chart] ${method}(${runId}) failed:`, err?.message ?? err));
}

function joinGroup(runId, options) {
  const k = runKey(runId);
  const g = hub.groups.get(k);
  if (g) { g.count++; return; }
  hub.groups.set(k, { runId, count: 1 });
  hubEnsure(options);
  invokeHub('JoinRun', runId);
}

function leaveGroup(runId) {
  const k = runKey(runId);
  const g = hub.groups.get(k);
  if (!g) return;
  if (--g.count > 0) return;
  hub.groups.delete(k);
  invokeHub('LeaveRun', g.runId);
}

function onMetricsAppended(payload) {
  if (!payload) return;
  const runId = payload.runId ?? payload.RunId;
  const points = payload.points ?? payload.Points;
  if (!Array.isArray(points) || points.length === 0) return;
  for (const chart of charts.values()) {
    if (String(chart.runId) === String(runId)) chart.appendPoints(points);
  }
  for (const w of pointWatchers) if (String(w.runId) === String(runId)) w.callback(points);
}

/** Watchers of a run's live points (the panel grid, which adds a panel when a new metric group appears). */
const pointWatchers = new Set();

/**
 * Calls callback(points) for each live batch of runId's points; returns a function that stops watching.
 * Joins the run's hub group itself, so a run with no metrics yet (no panel yet) still hears its first points.
 */
export function watchRunPoints(runId, callback, options) {
  const w = { runId, callback };
  pointWatchers.add(w);
  joinGroup(runId, options ?? {});
  return () => { if (pointWatchers.delete(w)) leaveGroup(runId); };
}

/** The group a metric belongs to: its prefix before the first '/', or the whole key when it has none. */
export function metricGroup(key) {
  const i = key.indexOf('/');
  return i > 0 ? key.slice(0, i) : key;
}

/**
 * GET of a run's history, shared by concurrent callers: the panels of one grid all refetch at once (after the hub
 * group is joined, after a reconnect), and one request answers them all.
 */
const historyInFlight = new Map();
export function fetchRunHistory(url) {
  let p = historyInFlight.get(url);
  if (p) return p;
  p = (async () => {
    const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  })().finally(() => historyInFlight.delete(url));
  historyInFlight.set(url, p);
  return p;
}

function onRunUpdated(payload) {
  if (!payload) return;
  const runId = payload.runId ?? payload.RunId;
  for (const chart of charts.values()) {
    if (String(chart.runId) === String(runId) && payload.status != null) {
      chart.el.setAttribute('data-run-status', String(payload.status));
    }
  }
  for (const [h, sub] of runSubs) {
    if (String(sub.runId) !== String(runId)) continue;
    Promise.resolve()
      .then(() => sub.ref.invokeMethodAsync('OnRunUpdated', payload))
      .catch(() => { unsubscribeRunUpdates(h); }); // the .NET object is gone (circuit closed)
  }
}

// ---------------------------------------------------------------------------------------
// Chart
// ---------------------------------------------------------------------------------------

export function isDarkTheme() {
  return typeof document !== 'undefined' && document.documentElement?.dataset?.theme === 'dark';
}

/** Axis, grid and fallback reference colours for the theme in use. */
export function chartTheme() {
  return isDarkTheme()
    ? { axis: 'rgba(255, 255, 255, 0.72)', grid: 'rgba(255, 255, 255, 0.12)', reference: '#bdbdbd' }
    : { axis: 'rgba(0, 0, 0, 0.6)', grid: 'rgba(0, 0, 0, 0.08)', reference: '#616161' };
}

export function seriesColor(i) {
  const palette = isDarkTheme() ? PALETTE_DARK : PALETTE_LIGHT;
  if (i < palette.length) return palette[i];
  const hue = (i * 137.508) % 360;
  return isDarkTheme() ? `hsl(${hue.toFixed(0)}, 70%, 66%)` : `hsl(${hue.toFixed(0)}, 65%, 38%)`;
}

/**
 * The chart's data as text for keyboards and screen readers: a <details> with one table row per series (points,
 * steps, last, min and max value). rows: [{ name, n, firstX, lastX, last, min, max }].
 */
export function renderDataSummary(details, caption, xName, rows) {
  if (!details.firstChild) {
    const summary = document.createElement('summary');
    summary.textContent = 'Data table';
    summary.className = 'chart-summary__toggle';
    details.append(summary, document.createElement('div'));
    details.className = 'chart-summary';
    details.setAttribute('data-testid', 'chart-summary');
  }
  const table = document.createElement('table');
  const cap = document.createElement('caption');
  cap.textContent = caption;
  table.append(cap);
  const head = table.createTHead().insertRow();
  for (const h of ['series', 'points', `first ${xName}`, `last ${xName}`, 'last value', 'min', 'max']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = r.name;
    tr.append(th);
    for (const v of [String(r.n), fmtStep(r.firstX), fmtStep(r.lastX), fmtNum(r.last), fmtNum(r.min), fmtNum(r.max)]) tr.insertCell().textContent = v;
  }
  details.lastChild.replaceChildren(table);
}

/** { n, firstX, lastX, last, min, max } of the first n points (non-finite values skipped). */
export function describeSeries(xs, ys, n = Math.min(xs.length, ys.length)) {
  let min = Infinity, max = -Infinity, last = null, count = 0;
  for (let i = 0; i < n; i++) {
    const y = ys[i];
    if (y === null || !Number.isFinite(y)) continue;
    count++;
    last = y;
    if (y < min) min = y;
    if (y > max) max = y;
  }
  return { n: count, firstX: n > 0 ? xs[0] : null, lastX: n > 0 ? xs[n - 1] : null, last, min: count ? min : null, max: count ? max : null };
}

const themed = new Set();
if (typeof window !== 'undefined') {
  window.addEventListener('layerlab:theme', () => { for (const redraw of themed) redraw(); });
}

/** Calls redraw() whenever the theme changes; returns the function that stops it. */
export function onThemeChange(redraw) {
  themed.add(redraw);
  return () => themed.delete(redraw);
}

function fmtNum(v) {
  if (v == null || Number.isNaN(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

function fmtStep(v) {
  if (v == null) return '—';
  return Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(7)));
}

class RunChart {
  constructor(handle, el, runId, options) {
    this.handle = handle;
    this.el = el;
    this.runId = runId;
    this.options = options;
    this.height = Number(options.height) > 0 ? Number(options.height) : 360;
    this.logX = !!options.logX;
    this.logY = !!options.logY;
    this.filter = typeof options.metricFilter === 'string' && options.metricFilter !== '' ? options.metricFilter : null;
    // A panel of the run page's grid shows one metric group (the key's prefix before the first '/').
    this.group = typeof options.metricGroup === 'string' ? options.metricGroup : null;
    this.references = this.acceptReferences(options.references);
    this.series = new Map();       // key -> SeriesStore (insertion order = legend order)
    this.hidden = new Set();       // legend labels the user switched off
    this.points = 0;
    this.view = null;              // { min, max } while zoomed, else null
    this.applying = false;
    this.u = null;
    this.uPlot = null;
    this.structureDirty = true;
    this.raf = 0;
    this.timer = 0;
    this.loaded = false;           // history fetched (or failed): drawing may start
    this.lastRenderMs = 0;
    this.lastRenderEnd = 0;
    this.disposed = false;
    this.width = 0;
    this.colIndex = [];            // uPlot series index -> legend label

    el.classList.add('run-chart');
    el.setAttribute('data-state', 'loading');
    this.plotEl = document.createElement('div');
    this.plotEl.className = 'run-chart__plot';
    this.statusEl = document.createElement('div');
    this.statusEl.className = 'run-chart__status';
    this.statusEl.textContent = 'Loading metrics…';
    this.summaryEl = document.createElement('details');
    this.summaryAt = -Infinity; // the first render fills the table at once
    el.append(this.plotEl, this.statusEl, this.summaryEl);
    this.summaryEl.addEventListener('toggle', () => this.updateSummary(true));
    this.stopTheme = onThemeChange(() => { this.structureDirty = true; this.scheduleRender(); });
    this.updateCounts();

    this.ro = new ResizeObserver(() => this.onResize());
    this.ro.observe(el);
    this.width = Math.floor(el.clientWidth);

    joinGroup(runId, options);
    this.start();
  }

  libBase() {
    return this.options.libBase ? new URL(this.options.libBase, document.baseURI) : LIB_BASE;
  }

  metricsUrl() {
    if (this.options.metricsUrl) return this.options.metricsUrl;
    return new URL(`api/runs/${encodeURIComponent(this.runId)}/metrics`, document.baseURI).href;
  }

  async start() {
    const t0 = performance.now();
    let fetchMs = 0;
    let error = null;
    try {
      this.uPlot = await ensureUPlot(this.libBase());
      // The panel grid has already fetched the history to find the groups: take it rather than fetch again.
      const body = this.options.history ?? await this.fetchHistory();
      this.options.history = null;
      fetchMs = performance.now() - t0;
      if (this.disposed) return;
      this.ingestHistory(body);
    } catch (err) {
      error = err;
      if (this.disposed) return;
      console.error('[run-chart] could not load metrics:', err);
    }
    if (this.disposed) return;
    if (!this.uPlot) {
      this.setStatus('error', `Chart library failed to load: ${error?.message ?? error}`);
      return;
    }
    const t1 = performance.now();
    this.loaded = true;
    if (this.refetchAfterLoad) { this.refetchAfterLoad = false; this.refetch(); }
    this.cancelFrame();
    this.render();
    const drawMs = performance.now() - t1;
    if (error) this.setStatus('error', `Could not load metrics: ${error.message ?? error}`);
    else this.setStatus('ready', this.points === 0 ? 'No metrics yet — waiting for live points…' : '');
    this.el.dispatchEvent(new CustomEvent('runchart:ready', {
      detail: { handle: this.handle, points: this.points, series: this.series.size, fetchMs, drawMs, error: error ? String(error.message ?? error) : null },
    }));
  }

  fetchHistory() {
    return fetchRunHistory(this.metricsUrl());
  }

  /** The run's group is joined: from now on no point is missed, so fetch once more to cover the time before. */
  onJoined() {
    if (this.disposed) return;
    if (this.loaded) this.refetch();
    else this.refetchAfterLoad = true;
  }

  refetch() {
    if (this.disposed || !this.loaded) return;
    this.fetchHistory()
      .then((body) => { if (!this.disposed) this.ingestHistory(body); })
      .catch((err) => console.warn('[run-chart] history refetch failed:', err?.message ?? err));
  }

  setStatus(state, text) {
    this.el.setAttribute('data-state', state);
    this.statusEl.textContent = text;
    this.statusEl.hidden = !text;
    this.statusEl.classList.toggle('run-chart__status--error', state === 'error');
    this.options.onCounts?.();
  }

  accepts(key) {
    return (this.filter === null || key.startsWith(this.filter)) && (this.group === null || metricGroup(key) === this.group);
  }

  getSeries(key) {
    let s = this.series.get(key);
    if (!s) {
      s = new SeriesStore(key, seriesColor(this.series.size));
      this.series.set(key, s);
      this.structureDirty = true;
    }
    return s;
  }

  ingestHistory(body) {
    const map = body?.series ?? body?.Series ?? {};
    let added = 0;
    for (const key of Object.keys(map)) {
      if (!this.accepts(key)) continue;
      const block = map[key] ?? {};
      const steps = block.steps ?? block.Steps ?? [];
      const values = block.values ?? block.Values ?? [];
      added += this.getSeries(key).addMany(steps, values);
    }
    this.points += added;
    if (!this.u) {
      // Nothing drawn yet: put the history's keys first (server order), then keys that only
      // came live while the history loaded, and colour them in that order.
      const ordered = new Map();
      for (const key of Object.keys(map)) if (this.series.has(key)) ordered.set(key, this.series.get(key));
      for (const [key, s] of this.series) if (!ordered.has(key)) ordered.set(key, s);
      let i = 0;
      for (const s of ordered.values()) s.color = seriesColor(i++);
      this.series = ordered;
    }
    this.updateCounts();
    if (added > 0 || this.structureDirty) this.scheduleRender();
  }

  appendPoints(points) {
    let added = 0;
    for (const p of points) {
      if (!p) continue;
      const key = p.key ?? p.Key;
      const step = +(p.step ?? p.Step);
      if (typeof key !== 'string' || !Number.isFinite(step) || !this.accepts(key)) continue;
      if (this.getSeries(key).add(step, p.value ?? p.Value)) added++;
    }
    if (added === 0 && !this.structureDirty) return;
    this.points += added;
    this.updateCounts();
    if (this.el.getAttribute('data-state') === 'ready' && this.statusEl.textContent) this.setStatus('ready', '');
    this.scheduleRender();
  }

  updateCounts() {
    this.el.setAttribute('data-point-count', String(this.points));
    this.el.setAttribute('data-series-count', String(this.series.size));
    this.options.onCounts?.();
  }

  /**
   * Redraws on the next animation frame, coalescing everything that arrived meanwhile.
   * When a redraw is expensive (many series x many points), the next one waits for twice
   * the last redraw's time, so live updates never take more than about a third of the CPU.
   */
  scheduleRender() {
    if (this.raf || this.timer || this.disposed || !this.loaded) return;
    const wait = 2 * this.lastRenderMs - (performance.now() - this.lastRenderEnd);
    const frame = () => { this.raf = requestAnimationFrame(() => { this.raf = 0; this.render(); }); };
    if (wait > 16) this.timer = setTimeout(() => { this.timer = 0; if (!this.disposed) frame(); }, wait);
    else frame();
  }

  cancelFrame() {
    if (this.raf) { cancelAnimationFrame(this.raf); this.raf = 0; }
    if (this.timer) { clearTimeout(this.timer); this.timer = 0; }
  }

  onResize() {
    const w = Math.floor(this.el.clientWidth);
    if (w === this.width) return;
    this.width = w;
    this.scheduleRender();
  }

  /** Full x extent of everything held (positive steps only on a log x axis). */
  fullRange() {
    let min = Infinity;
    let max = -Infinity;
    for (const s of this.series.values()) {
      if (s.n === 0) continue;
      const first = this.logX ? upperBound(s.xs, 0, 0, s.n) : 0;
      if (first >= s.n) continue;
      if (s.xs[first] < min) min = s.xs[first];
      if (s.xs[s.n - 1] > max) max = s.xs[s.n - 1];
    }
    if (!(min <= max)) return null;
    if (min === max) return this.logX ? { min: min / 2, max: max * 2 } : { min: min - 1, max: max + 1 };
    return { min, max };
  }

  xRange() {
    const full = this.fullRange();
    if (!this.view) return full;
    if (this.logX && this.view.min <= 0) return full;
    return this.view;
  }

  /** Pixel buckets across the plot area: the live plot's when its size is current, else an estimate. */
  buckets(u) {
    const plotW = u && u.bbox.width > 0 ? u.bbox.width / (this.uPlot.pxRatio || 1) : this.width - 70;
    return Math.max(16, Math.round(plotW));
  }

  /** Builds the uPlot data table for the current window. */
  buildData(range, u) {
    const list = [];
    const buckets = this.buckets(u);
    for (const s of this.series.values()) {
      list.push(range
        ? downsampleMinMax(s.xs, s.ys, range.min, range.max, buckets, { length: s.n, logX: this.logX, positiveOnly: this.logY })
        : { xs: [], ys: [] });
    }
    const data = alignSeries(list);
    const rows = data[0].length;
    // First / last non-null row per column, for the hover lookup.
    this.extents = [null];
    for (let c = 1; c < data.length; c++) {
      const col = data[c];
      let a = 0; while (a < rows && col[a] == null) a++;
      let b = rows - 1; while (b >= 0 && col[b] == null) b--;
      this.extents.push(a <= b ? [a, b] : null);
    }
    for (let r = 0; r < this.references.length; r++) this.extents.push(rows > 0 ? [0, rows - 1] : null);
    for (const r of this.references) {
      const v = +r.value;
      data.push(this.logY && !(v > 0) ? new Array(rows).fill(null) : new Array(rows).fill(v));
    }
    return data;
  }

  makeOptions(width, data) {
    const uPlot = this.uPlot;
    const logY = this.logY;
    const seriesOpts = [{ label: 'step', value: (u, v) => fmtStep(v) }];
    const theme = chartTheme();
    this.colIndex = [null];
    // Colours follow the theme in use (a theme change rebuilds the chart through here).
    let colour = 0;
    for (const s of this.series.values()) s.color = seriesColor(colour++);
    for (const s of this.series.values()) {
      seriesOpts.push({
        label: s.key,
        stroke: s.color,
        width: 1.5,
        spanGaps: true,
        show: !this.hidden.has(s.key),
        value: (u, v) => fmtNum(v),
        points: { size: 4 },
      });
      this.colIndex.push(s.key);
    }
    this.references.forEach((r, i) => {
      // Name the metric too: several metrics often share a reference label ("exact solution").
      const label = r.label
        ? (r.metricKey != null ? `${r.metricKey} · ${r.label}` : String(r.label))
        : `${r.metricKey ?? 'reference'} = ${fmtNum(+r.value)}`;
      const legendLabel = `${label} (ref)`;
      const target = r.metricKey != null ? this.series.get(r.metricKey) : null;
      seriesOpts.push({
        label: legendLabel,
        stroke: target ? target.color : theme.reference,
        width: 1.25,
        dash: [6, 4],
        spanGaps: true,
        show: !this.hidden.has(legendLabel),
        points: { show: false },
        value: () => fmtNum(+r.value),
      });
      this.colIndex.push(legendLabel);
    });

    const axis = {
      stroke: theme.axis,
      font: AXIS_FONT,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1, size: 5 },
    };

    return {
      width,
      height: this.height,
      class: 'run-chart__uplot',
      scales: {
        // x is always set explicitly (full extent or the zoom window): take it as given.
        x: { time: false, distr: this.logX ? 3 : 1, log: 10, range: (u, min, max) => [min, max] },
        y: {
          distr: logY ? 3 : 1,
          log: 10,
          range: (u, min, max) => {
            if (min == null || max == null || !Number.isFinite(min) || !Number.isFinite(max)) return logY ? [1, 10] : [0, 1];
            if (logY) {
              if (!(min > 0)) min = max > 0 ? max / 10 : 1;
              if (!(max > 0)) max = min * 10;
              return uPlot.rangeLog(min, max, 10, false);
            }
            return uPlot.rangeNum(min, max, 0.05, true);
          },
        },
      },
      axes: [
        { ...axis, values: (u, splits) => splits.map((v) => (v == null ? '' : fmtAxis(v))) },
        { ...axis, size: 60, values: (u, splits) => splits.map((v) => (v == null ? '' : fmtAxis(v))) },
      ],
      series: seriesOpts,
      legend: { show: true, live: true },
      cursor: {
        drag: { x: true, y: false, setScale: true },
        dataIdx: (u, si, ci, xv) => this.hoverIdx(u, si, ci, xv),
        points: { size: 7 },
        bind: {
          // uPlot's own double-click would fit x to the (windowed) data; reset to everything held.
          dblclick: () => () => { this.resetZoom(); this.options.onViewChange?.(null); return null; },
        },
      },
      hooks: {
        setScale: [(u, key) => this.onScaleSet(u, key)],
        setSeries: [(u, idx, opts) => {
          if (idx == null || opts?.show == null) return;
          const label = this.colIndex[idx];
          if (label == null) return;
          if (opts.show) this.hidden.delete(label); else this.hidden.add(label);
        }],
      },
    };
  }

  /**
   * Row whose value the legend shows for series si when the cursor is at row ci: the
   * series' nearest point; none when the cursor is beyond the series' first / last point
   * by more than a few pixels (a series that stopped early shows '—', not a stale value).
   */
  hoverIdx(u, si, ci, xv) {
    if (si === 0 || ci == null) return ci;
    const col = u.data[si];
    if (col[ci] != null) return ci;
    const ext = this.extents?.[si];
    if (!ext) return null;
    const xs = u.data[0];
    const near = (i) => Math.abs(u.valToPos(xs[i], 'x') - u.valToPos(xv, 'x')) <= 12 ? i : null;
    if (ci < ext[0]) return near(ext[0]);
    if (ci > ext[1]) return near(ext[1]);
    let l = ci - 1; while (col[l] == null) l--;
    let r = ci + 1; while (col[r] == null) r++;
    return Math.abs(xs[l] - xv) <= Math.abs(xs[r] - xv) ? l : r;
  }

  onScaleSet(u, key) {
    if (key !== 'x' || this.applying || this.disposed) return;
    const { min, max } = u.scales.x;
    if (min == null || max == null) return;
    const full = this.fullRange();
    this.view = full && min <= full.min && max >= full.max ? null : { min, max };
    // A zoom by the user (not one applied here): the panel grid may carry it to the other panels (linked x axes).
    this.options.onViewChange?.(this.view ? { ...this.view } : null);
    // Redraw the zoomed window at full resolution before the next paint.
    queueMicrotask(() => { if (!this.disposed) { this.cancelFrame(); this.render(); } });
  }

  render() {
    if (this.disposed || !this.loaded) return;
    const t0 = performance.now();
    try {
      this.renderNow();
    } finally {
      this.lastRenderEnd = performance.now();
      this.lastRenderMs = this.lastRenderEnd - t0;
    }
    this.updateSummary(false);
  }

  /** Refreshes the data table: at once when opened, else at most once a second while points stream in. */
  updateSummary(force) {
    const now = performance.now();
    if (!force && now - this.summaryAt < 1000) return;
    this.summaryAt = now;
    const rows = [...this.series.values()].map((s) => ({ name: s.key, ...describeSeries(s.xs, s.ys, s.n) }));
    renderDataSummary(this.summaryEl, `Metrics of run ${this.runId}: ${rows.length} series`, 'step', rows);
  }

  renderNow() {
    const width = Math.max(0, Math.floor(this.el.clientWidth));
    this.width = width;
    if (width === 0) return; // hidden (e.g. inactive tab): the ResizeObserver brings us back
    const range = this.xRange();
    this.applying = true;
    try {
      if (!this.u || this.structureDirty) {
        this.structureDirty = false;
        if (this.u) this.u.destroy();
        this.u = null;
        const data = this.buildData(range, null);
        const opts = this.makeOptions(width, data);
        this.u = new this.uPlot(opts, data, this.plotEl);
        if (range) this.u.batch(() => this.u.setScale('x', { min: range.min, max: range.max }));
      } else {
        const u = this.u;
        const resized = u.width !== width || u.height !== this.height;
        const data = this.buildData(range, resized ? null : u);
        u.batch(() => {
          if (resized) u.setSize({ width, height: this.height });
          u.setData(data, false);
          if (range) u.setScale('x', { min: range.min, max: range.max });
        });
      }
    } finally {
      this.applying = false;
    }
    // The x range drawn, for tests and for whoever links panels' zoom.
    if (this.u) {
      this.el.setAttribute('data-x-min', String(this.u.scales.x.min));
      this.el.setAttribute('data-x-max', String(this.u.scales.x.max));
    }
  }

  /** Finite values only, and only for metrics this chart shows (metricFilter). */
  acceptReferences(list) {
    return (Array.isArray(list) ? list : [])
      .filter((r) => r && r.value !== null && r.value !== '' && Number.isFinite(+r.value)
        && (r.metricKey == null || this.filter === null || String(r.metricKey).startsWith(this.filter))
        // In a group panel, a reference belongs to the panel of its metric (one without a metric goes nowhere).
        && (this.group === null || (r.metricKey != null && metricGroup(String(r.metricKey)) === this.group)));
  }

  /** Replaces the reference lines (a run's exact references are known only once it finishes). */
  setReferences(list) {
    this.references = this.acceptReferences(list);
    this.structureDirty = true;
    this.scheduleRender();
  }

  setLogScale(axis, on) {
    on = !!on;
    if (axis === 'x') {
      if (this.logX === on) return;
      this.logX = on;
      this.view = null;
    } else if (axis === 'y') {
      if (this.logY === on) return;
      this.logY = on;
    } else {
      throw new Error(`setLogScale: axis must be 'x' or 'y', got ${axis}`);
    }
    this.structureDirty = true;
    this.scheduleRender();
  }

  resetZoom() {
    this.setView(null);
  }

  /** Shows the x window { min, max } (null: everything held), e.g. another panel's zoom when x axes are linked. */
  setView(view) {
    this.view = view && Number.isFinite(+view.min) && Number.isFinite(+view.max) && +view.max > +view.min
      ? { min: +view.min, max: +view.max } : null;
    this.cancelFrame();
    this.render();
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.cancelFrame();
    this.ro.disconnect();
    leaveGroup(this.runId);
    if (this.u) { this.u.destroy(); this.u = null; }
    this.stopTheme();
    this.plotEl.remove();
    this.statusEl.remove();
    this.summaryEl.remove();
    this.el.classList.remove('run-chart');
    if (this.el.getAttribute('class') === '') this.el.removeAttribute('class');
    for (const a of ['data-state', 'data-point-count', 'data-series-count', 'data-run-status', 'data-x-min', 'data-x-max']) this.el.removeAttribute(a);
  }
}

function fmtAxis(v) {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e4 && Number.isInteger(v)) {
    const [d, unit] = a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M'] : [1e3, 'k'];
    return (v / d).toLocaleString('en-US', { maximumFractionDigits: 2 }) + unit;
  }
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

// ---------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------

/**
 * Mounts a chart into `element` for run `runId`; returns a numeric handle at once (history
 * loads and the hub connects in the background; watch data-state / 'runchart:ready').
 * options: { references: [{ metricKey, label, value }], logY, logX, height = 360,
 *            metricFilter: null | prefix,
 *            // optional, mainly for tests / odd hosting:
 *            connectionFactory: () => HubConnection-like, hubUrl, metricsUrl, libBase }
 */
export function mountRunChart(element, runId, options) {
  if (!(element instanceof Element)) throw new Error('mountRunChart: element is required');
  // Mounting twice into the same element (e.g. a re-render without dispose) replaces the old chart.
  for (const [h, c] of charts) if (c.el === element) disposeRunChart(h);
  const handle = nextHandle++;
  const chart = new RunChart(handle, element, runId, options ?? {});
  charts.set(handle, chart);
  return handle;
}

/** Feeds live points to one chart (a panel created by the very batch that named its group). */
export function appendRunPoints(handle, points) {
  charts.get(handle)?.appendPoints(points);
}

export function setLogScale(handle, axis, on) {
  charts.get(handle)?.setLogScale(axis, on);
}

export function setReferences(handle, references) {
  charts.get(handle)?.setReferences(references);
}

export function resetZoom(handle) {
  charts.get(handle)?.resetZoom();
}

/** Shows x window { min, max } on one chart (null resets); does not call the chart's onViewChange. */
export function setView(handle, view) {
  charts.get(handle)?.setView(view);
}

/** Read-only numbers about a chart, for tests and diagnostics. */
export function getRunChartStats(handle) {
  const c = charts.get(handle);
  if (!c) return null;
  return {
    runId: c.runId,
    points: c.points,
    series: [...c.series.values()].map((s) => ({ key: s.key, points: s.n, color: s.color })),
    rows: c.u ? c.u.data[0].length : 0,
    view: c.view ? { ...c.view } : null,
    xScale: c.u ? { min: c.u.scales.x.min, max: c.u.scales.x.max } : null,
    yScale: c.u ? { min: c.u.scales.y.min, max: c.u.scales.y.max } : null,
    logX: c.logX,
    logY: c.logY,
    hidden: [...c.hidden],
    lastRenderMs: c.lastRenderMs,
    width: c.u ? c.u.width : 0,
  };
}

export function disposeRunChart(handle) {
  const chart = charts.get(handle);
  if (!chart) return;
  charts.delete(handle);
  chart.dispose();
}

/** Calls dotNetRef.invokeMethodAsync('OnRunUpdated', payload) on each RunUpdated for runId. */
export function subscribeRunUpdates(runId, dotNetRef, options) {
  const handle = nextHandle++;
  runSubs.set(handle, { runId, ref: dotNetRef });
  joinGroup(runId, options ?? {});
  return handle;
}

export function unsubscribeRunUpdates(handle) {
  const sub = runSubs.get(handle);
  if (!sub) return;
  runSubs.delete(handle);
  leaveGroup(sub.runId);
}
