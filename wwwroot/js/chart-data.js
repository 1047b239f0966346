// Pure data functions of the charts (no DOM, no state): binary search on sorted steps, min/max downsampling of a
// window to pixel buckets, sorted merge and alignment of several series onto one x grid, a series' summary numbers,
// and a metric key's group. They exist apart so that both charts (run-chart.js, compare-chart.js) use the same
// arithmetic, and compare-chart.js gets it without loading the run chart, its hub connection and its state.
//
// Exports: lowerBound, upperBound, downsampleMinMax(xs, ys, x0, x1, buckets, opts), mergeSortedUnique(a, b),
// alignSeries(list), describeSeries(xs, ys, n), metricGroup(key).

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

/** The group a metric belongs to: its prefix before the first '/', or the whole key when it has none. */
export function metricGroup(key) {
  const i = key.indexOf('/');
  return i > 0 ? key.slice(0, i) : key;
}
