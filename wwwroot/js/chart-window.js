// Which x window a run chart draws and the uPlot data table for it: the full extent of what is held, the zoom window
// (if any), the number of pixel buckets across the plot, and each series reduced to that window (min/max per bucket,
// full resolution once few enough points are in view) and aligned onto one x grid, plus the reference lines as
// constant columns. Apart from run-chart.js because it is the chart's drawing arithmetic: it reads the series and
// references and returns arrays, touching neither the DOM nor uPlot's state.

import { alignSeries, downsampleMinMax, upperBound } from './chart-data.js';

/** Full x extent of everything held (positive steps only on a log x axis); series: Map of SeriesStore. */
export function fullRange(series, logX) {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series.values()) {
    if (s.n === 0) continue;
    const first = logX ? upperBound(s.xs, 0, 0, s.n) : 0;
    if (first >= s.n) continue;
    if (s.xs[first] < min) min = s.xs[first];
    if (s.xs[s.n - 1] > max) max = s.xs[s.n - 1];
  }
  if (!(min <= max)) return null;
  if (min === max) return logX ? { min: min / 2, max: max * 2 } : { min: min - 1, max: max + 1 };
  return { min, max };
}

/** The x window to draw: the zoom window view ({ min, max } or null), else (or when log x cannot show it) everything. */
export function xRange(series, view, logX) {
  const full = fullRange(series, logX);
  if (!view) return full;
  if (logX && view.min <= 0) return full;
  return view;
}

/** Pixel buckets across the plot area: the live plot u's when its size is current, else an estimate from width. */
export function plotBuckets(u, uPlot, width) {
  const plotW = u && u.bbox.width > 0 ? u.bbox.width / (uPlot.pxRatio || 1) : width - 70;
  return Math.max(16, Math.round(plotW));
}

/**
 * The uPlot data table for x window range (null: no points): [x, series columns..., reference columns...], and
 * extents: the first / last non-null row per column (null for x and for empty columns), for the hover lookup.
 */
export function buildWindowData(series, references, range, buckets, logX, logY) {
  const list = [];
  for (const s of series.values()) {
    list.push(range
      ? downsampleMinMax(s.xs, s.ys, range.min, range.max, buckets, { length: s.n, logX, positiveOnly: logY })
      : { xs: [], ys: [] });
  }
  const data = alignSeries(list);
  const rows = data[0].length;
  const extents = [null];
  for (let c = 1; c < data.length; c++) {
    const col = data[c];
    let a = 0; while (a < rows && col[a] == null) a++;
    let b = rows - 1; while (b >= 0 && col[b] == null) b--;
    extents.push(a <= b ? [a, b] : null);
  }
  for (let r = 0; r < references.length; r++) extents.push(rows > 0 ? [0, rows - 1] : null);
  for (const r of references) {
    const v = +r.value;
    data.push(logY && !(v > 0) ? new Array(rows).fill(null) : new Array(rows).fill(v));
  }
  return { data, extents };
}
