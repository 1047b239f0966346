// LayerLab run chart: draws a training run's metric curves with uPlot and appends live
// points pushed over SignalR.  Loaded by run-panels.js (one chart per panel); it loads
// /lib/uPlot.iife.min.js, /lib/uPlot.min.css and /css/run-chart.css itself when the page has
// not already (chart-assets.js). This module keeps a chart's life: mounting, loading and
// refetching history, live points, redraw scheduling, zoom and log-axis state, disposal.
// Its parts live next to it: chart-data.js (pure arithmetic), series-store.js (the points
// held), chart-window.js (the window drawn), chart-options.js (uPlot's options),
// chart-theme.js, chart-summary.js (data table, number formats), run-hub.js (the hub).
//
// Exports (the contract with the Blazor side / run-panels.js):
//   mountRunChart(element, runId, options) -> handle (number, returned synchronously)
//   appendRunPoints(handle, points)
//   setLogScale(handle, 'x' | 'y', on)
//   setReferences(handle, references)
//   resetZoom(handle)
//   setView(handle, { min, max } | null)                (options.onViewChange(view) reports the user's zooms)
//   disposeRunChart(handle)
//   getRunChartStats(handle)                           (numbers for tests / diagnostics)
// (subscribeRunUpdates / unsubscribeRunUpdates are in run-hub.js.)
//
// Data flow: the full history of every series is kept in growable Float64Arrays (no point
// cap).  What uPlot gets is only the visible x-window, reduced per series to the min and max
// of each pixel-wide bucket (full resolution once a window holds few enough points), merged
// onto one shared x grid with nulls (spanGaps).  Live points go into the store at once and
// one requestAnimationFrame redraw picks up everything that arrived since the last frame.
// The run's hub group is joined before the history is fetched, so no pushed point falls in
// between; merging is idempotent (a step already held for a key is ignored).
// History: GET api/runs/{runId}/metrics, relative to document.baseURI.
//
// The element gets data-state (loading|ready|error), data-point-count (points held),
// data-series-count (metric series), data-run-status (last RunUpdated status) and a
// 'runchart:ready' CustomEvent (detail: { handle, points, series, fetchMs, drawMs, error }).

import { describeSeries, metricGroup } from './chart-data.js';
import { LIB_BASE, ensureUPlot } from './chart-assets.js';
import { onThemeChange, seriesColor } from './chart-theme.js';
import { renderDataSummary } from './chart-summary.js';
import { SeriesStore } from './series-store.js';
import { buildWindowData, fullRange, plotBuckets, xRange } from './chart-window.js';
import { makeUPlotOptions } from './chart-options.js';
import { charts, fetchRunHistory, joinGroup, leaveGroup, newHandle } from './run-hub.js';

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

  /** Builds the uPlot data table for the current window (and the hover lookup's extents). */
  buildData(range, u) {
    const { data, extents } = buildWindowData(this.series, this.references, range,
      plotBuckets(u, this.uPlot, this.width), this.logX, this.logY);
    this.extents = extents;
    return data;
  }

  onScaleSet(u, key) {
    if (key !== 'x' || this.applying || this.disposed) return;
    const { min, max } = u.scales.x;
    if (min == null || max == null) return;
    const full = fullRange(this.series, this.logX);
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
    const range = xRange(this.series, this.view, this.logX);
    this.applying = true;
    try {
      if (!this.u || this.structureDirty) {
        this.structureDirty = false;
        if (this.u) this.u.destroy();
        this.u = null;
        const data = this.buildData(range, null);
        const opts = makeUPlotOptions(this, width);
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
  const handle = newHandle();
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
