// One metric series of a run chart, held in full: growable Float64Arrays sorted by step, one value per step. Apart
// from run-chart.js because it is the chart's whole memory model (no point cap; merging live points and history
// blocks is idempotent: a step already held is ignored) and has no DOM.

import { lowerBound } from './chart-data.js';

export class SeriesStore {
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
