// The page's one SignalR connection to the run hub, and everything that listens to it: run charts, point watchers
// (the panel grid) and RunUpdated subscribers (Blazor). Apart from the chart because it is shared state of the page,
// not of one chart: one HubConnection per page (automatic reconnect; groups re-joined and history re-fetched after a
// reconnect), group membership counted per run so the last chart of a run leaves its group, and one history GET
// answering every panel that asks at once.
//
// Hub: hubs/runs, relative to document.baseURI. Server methods JoinRun(runId) / LeaveRun(runId); client events
// MetricsAppended { runId, points: [{ key, step, value }] } and RunUpdated { runId, status, progress, error }.
//
// Exports:
//   charts, newHandle()                       the mounted run charts the hub feeds (run-chart.js adds and removes them)
//                                             and the page's handle counter (charts and subscriptions share it)
//   joinGroup(runId, options), leaveGroup(runId)
//   watchRunPoints(runId, callback, options) -> stop()
//   fetchRunHistory(url) -> Promise of the JSON body
//   subscribeRunUpdates(runId, dotNetRef, options) -> handle;  unsubscribeRunUpdates(handle)   (Blazor interop)
//
// A chart in `charts` must have runId, el, appendPoints(points), refetch() and onJoined().

import { LIB_BASE, ensureSignalR } from './chart-assets.js';

export const charts = new Map(); // handle -> RunChart
const runSubs = new Map();       // handle -> { runId, ref }
let nextHandle = 1;

/** The next handle for a chart or a subscription (one counter, as the Blazor side has always seen). */
export function newHandle() {
  return nextHandle++;
}

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

export function joinGroup(runId, options) {
  const k = runKey(runId);
  const g = hub.groups.get(k);
  if (g) { g.count++; return; }
  hub.groups.set(k, { runId, count: 1 });
  hubEnsure(options);
  invokeHub('JoinRun', runId);
}

export function leaveGroup(runId) {
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
