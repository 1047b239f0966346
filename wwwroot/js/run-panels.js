// LayerLab run panels: the run page's metrics as a grid of charts, one per metric group (the key's
// prefix before the first '/': loss/*, success/*, ...), each with its own y-range and only its own
// reference lines. Each panel is a run-chart.js chart with a metricGroup; this module only finds the
// groups, lays the panels out and keeps the grid's summary attributes. Loaded by RunChart.razor.
//
// Exports (the contract with the Blazor side):
//   mountRunPanels(element, runId, options) -> handle      options: { references, height, logX, logY, metricsUrl,
//                                                                     experimentKey, layoutUrl, linkX = true }
//   setPanelsLogScale(handle, 'x' | 'y', on)
//   setPanelsReferences(handle, references)
//   setPanelsLinkX(handle, on)                            (zoom one panel -> the same x window on every panel)
//   resetPanelsZoom(handle)
//   disposeRunPanels(handle)
//   getRunPanelsStats(handle)                             (numbers for tests / diagnostics)
//
// The grid element keeps what a single chart had, summed over its panels, so callers that watch the whole
// run still can: data-state (loading | ready | error: ready once every panel is), data-point-count,
// data-series-count, data-panel-count. Each panel is a <section data-testid="run-panel" data-group=...>
// with a heading and a chart element (role figure) carrying that panel's own data-state and counts.
//
// Layout (per user and experiment, saved on the server: GET/PUT api/panel-layouts/{experimentKey}): pinned panels
// come first, then the rest, each part in the person's order; a collapsed panel shows only its header. Each header
// has buttons (pin, move up, move down, collapse), so all of it works from the keyboard. The grid element carries
// data-panel-order (groups as shown, comma-separated) and data-layout-state (loading | ready | saving | saved |
// error) so a test can wait for a save before reloading.
//
// Linked zoom: all panels share the x axis (step). While linkX is on (default), a zoom on one panel (drag, or
// double-click to reset) is applied to every other panel; each chart element shows its window in data-x-min/-max.
//
// Live updates: every panel chart joins the run's hub group and takes only its group's points; the grid
// watches the same points and adds a panel when a group it has not seen appears (feeding it that batch).

import {
  mountRunChart, disposeRunChart, setLogScale, setReferences, resetZoom, setView, appendRunPoints, getRunChartStats,
} from './run-chart.js';
import { watchRunPoints, fetchRunHistory } from './run-hub.js';
import { metricGroup } from './chart-data.js';
import { PanelLayout, loadPanelLayout, savePanelLayout, panelHeader } from './run-panels-layout.js';

const grids = new Map();
let nextHandle = 1;

class RunPanels {
  constructor(handle, el, runId, options) {
    this.handle = handle;
    this.el = el;
    this.runId = runId;
    this.options = options;
    this.references = Array.isArray(options.references) ? options.references : [];
    this.logX = !!options.logX;
    this.logY = !!options.logY;
    this.panels = new Map(); // group -> { section, chartEl, handle, header }
    this.linkX = options.linkX !== false;
    this.layout = new PanelLayout();
    this.loaded = false;
    this.disposed = false;

    el.classList.add('run-panels');
    el.setAttribute('data-state', 'loading');
    el.setAttribute('data-link-x', String(this.linkX));
    el.setAttribute('data-layout-state', 'loading');
    this.gridEl = document.createElement('div');
    this.gridEl.className = 'run-panels__grid';
    this.statusEl = document.createElement('div');
    this.statusEl.className = 'run-chart__status';
    this.statusEl.textContent = 'Loading metrics…';
    el.append(this.statusEl, this.gridEl);
    this.updateCounts();

    this.stopWatching = watchRunPoints(runId, (points) => this.onLivePoints(points), options);
    this.start();
  }

  metricsUrl() {
    return this.options.metricsUrl ?? new URL(`api/runs/${encodeURIComponent(this.runId)}/metrics`, document.baseURI).href;
  }

  layoutUrl() {
    if (this.options.layoutUrl) return this.options.layoutUrl;
    const key = this.options.experimentKey;
    return key ? new URL(`api/panel-layouts/${encodeURIComponent(key)}`, document.baseURI).href : null;
  }

  async start() {
    let body = null;
    // The layout and the history load side by side; a layout that cannot load leaves the default order.
    const layoutUrl = this.layoutUrl();
    const layout = layoutUrl ? loadPanelLayout(layoutUrl) : Promise.resolve(null);
    try {
      body = await fetchRunHistory(this.metricsUrl());
    } catch (err) {
      if (this.disposed) return;
      this.el.setAttribute('data-state', 'error');
      this.statusEl.textContent = `Could not load metrics: ${err?.message ?? err}`;
      this.statusEl.classList.add('run-chart__status--error');
      return;
    }
    if (this.disposed) return;
    const saved = await layout;
    if (this.disposed) return;
    if (saved) this.layout = saved;
    this.el.setAttribute('data-layout-state', layoutUrl && saved ? 'ready' : layoutUrl ? 'error' : 'ready');
    this.loaded = true;
    const keys = Object.keys(body?.series ?? body?.Series ?? {});
    // Groups in the server's key order, so the grid reads like the old single legend did.
    for (const key of keys) this.ensurePanel(metricGroup(key), body);
    this.arrange();
    this.updateCounts();
  }

  /** Puts the panels in the layout's order (pinned first), and each header's buttons in step with it. */
  arrange(focusGroup, focusAction) {
    const shown = this.layout.arrange([...this.panels.keys()]);
    shown.forEach((group, i) => {
      const p = this.panels.get(group);
      if (this.gridEl.children[i] !== p.section) this.gridEl.insertBefore(p.section, this.gridEl.children[i] ?? null);
      const pinned = this.layout.isPinned(group);
      const collapsed = this.layout.isCollapsed(group);
      p.section.classList.toggle('run-panel--pinned', pinned);
      p.section.classList.toggle('run-panel--collapsed', collapsed);
      p.section.setAttribute('data-pinned', String(pinned));
      p.section.setAttribute('data-collapsed', String(collapsed));
      p.chartEl.hidden = collapsed;
      p.header.update({
        pinned, collapsed,
        canMoveUp: i > 0 && this.layout.isPinned(shown[i - 1]) === pinned,
        canMoveDown: i < shown.length - 1 && this.layout.isPinned(shown[i + 1]) === pinned,
      });
    });
    this.el.setAttribute('data-panel-order', shown.join(','));
    // Moving a node in the DOM drops its focus: give it back to the button that was pressed.
    if (focusGroup) this.panels.get(focusGroup)?.header.focus(focusAction);
  }

  /** A header button: change the layout, show it, save it for this person and experiment. */
  onPanelAction(group, action) {
    const shown = this.layout.arrange([...this.panels.keys()]);
    if (!this.layout.apply(action, group, shown)) return;
    this.arrange(group, action);
    this.save();
  }

  async save() {
    const url = this.layoutUrl();
    if (!url) return;
    this.el.setAttribute('data-layout-state', 'saving');
    const ok = await savePanelLayout(url, this.layout);
    if (this.disposed) return;
    // A save that overtook another may finish first; the state is only as good as the last answer.
    this.el.setAttribute('data-layout-state', ok ? 'saved' : 'error');
  }

  /** A user's zoom on one panel: the same x window on the others while the axes are linked. */
  onViewChange(group, view) {
    if (!this.linkX || this.disposed) return;
    for (const p of this.panels.values()) if (p.group !== group) setView(p.handle, view);
  }

  onLivePoints(points) {
    if (this.disposed || !this.loaded) return; // before the history, start() will find every group anyway
    for (const p of points) {
      const key = p?.key ?? p?.Key;
      if (typeof key !== 'string') continue;
      const group = metricGroup(key);
      if (this.panels.has(group)) continue;
      const panel = this.ensurePanel(group, null);
      // The panel's chart joined after this batch was dispatched to the charts: hand it over (merging is idempotent).
      appendRunPoints(panel.handle, points);
    }
  }

  ensurePanel(group, history) {
    let panel = this.panels.get(group);
    if (panel) return panel;
    const index = this.panels.size;
    const headingId = `run-${this.runId}-panel-${index}-title`;
    const section = document.createElement('section');
    section.className = 'run-panel';
    section.setAttribute('data-testid', 'run-panel');
    section.setAttribute('data-group', group);
    section.setAttribute('aria-labelledby', headingId);
    const chartEl = document.createElement('div');
    chartEl.id = `run-${this.runId}-panel-${index}-chart`;
    chartEl.setAttribute('role', 'figure');
    chartEl.setAttribute('aria-label', `${group} metrics of run #${this.runId} by step`);
    const header = panelHeader(group, headingId, chartEl.id, (action) => this.onPanelAction(group, action));
    section.append(header.el, chartEl);
    this.gridEl.append(section);
    const handle = mountRunChart(chartEl, this.runId, {
      ...this.options,
      metricGroup: group,
      references: this.references,
      logX: this.logX,
      logY: this.logY,
      height: Number(this.options.height) > 0 ? Number(this.options.height) : 260,
      history,
      onCounts: () => this.updateCounts(),
      onViewChange: (view) => this.onViewChange(group, view),
    });
    panel = { group, section, chartEl, handle, header };
    this.panels.set(group, panel);
    // A panel that appears live takes its place in the layout (pinned / collapsed as saved) at once.
    if (this.loaded) this.arrange();
    this.updateCounts();
    return panel;
  }

  updateCounts() {
    if (this.disposed) return;
    let points = 0;
    let series = 0;
    let state = this.loaded ? 'ready' : this.el.getAttribute('data-state');
    for (const p of this.panels.values()) {
      points += Number(p.chartEl.getAttribute('data-point-count') ?? 0);
      series += Number(p.chartEl.getAttribute('data-series-count') ?? 0);
      const s = p.chartEl.getAttribute('data-state');
      if (s === 'error') state = 'error';
      else if (s !== 'ready' && state !== 'error') state = 'loading';
    }
    this.el.setAttribute('data-point-count', String(points));
    this.el.setAttribute('data-series-count', String(series));
    this.el.setAttribute('data-panel-count', String(this.panels.size));
    this.el.setAttribute('data-state', state);
    if (this.loaded) {
      this.statusEl.textContent = this.panels.size === 0 ? 'No metrics yet — waiting for live points…' : '';
      this.statusEl.hidden = this.panels.size > 0;
    }
  }

  forEachChart(fn) { for (const p of this.panels.values()) fn(p.handle); }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.stopWatching();
    this.forEachChart((h) => disposeRunChart(h));
    this.panels.clear();
    this.gridEl.remove();
    this.statusEl.remove();
    this.el.classList.remove('run-panels');
    for (const a of ['data-state', 'data-point-count', 'data-series-count', 'data-panel-count', 'data-link-x', 'data-layout-state', 'data-panel-order']) this.el.removeAttribute(a);
  }
}

export function mountRunPanels(element, runId, options) {
  if (!(element instanceof Element)) throw new Error('mountRunPanels: element is required');
  for (const [h, g] of grids) if (g.el === element) disposeRunPanels(h);
  const handle = nextHandle++;
  grids.set(handle, new RunPanels(handle, element, runId, options ?? {}));
  return handle;
}

export function setPanelsLogScale(handle, axis, on) {
  const g = grids.get(handle);
  if (!g) return;
  if (axis === 'x') g.logX = !!on; else if (axis === 'y') g.logY = !!on;
  g.forEachChart((h) => setLogScale(h, axis, on));
}

export function setPanelsReferences(handle, references) {
  const g = grids.get(handle);
  if (!g) return;
  g.references = Array.isArray(references) ? references : [];
  g.forEachChart((h) => setReferences(h, g.references));
}

export function setPanelsLinkX(handle, on) {
  const g = grids.get(handle);
  if (!g) return;
  g.linkX = !!on;
  g.el.setAttribute('data-link-x', String(g.linkX));
}

export function resetPanelsZoom(handle) {
  grids.get(handle)?.forEachChart((h) => resetZoom(h));
}

export function getRunPanelsStats(handle) {
  const g = grids.get(handle);
  if (!g) return null;
  return { panels: [...g.panels.values()].map((p) => ({ group: p.group, ...getRunChartStats(p.handle) })) };
}

export function disposeRunPanels(handle) {
  const g = grids.get(handle);
  if (!g) return;
  grids.delete(handle);
  g.dispose();
}
