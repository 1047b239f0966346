// Parallel coordinates of a sweep: one vertical axis per swept parameter plus the metric, one line per
// configuration (its mean over seeds), coloured by the metric, the best one drawn thick. Plain SVG, no library.
const SVG = 'http://www.w3.org/2000/svg';

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function fmt(v) {
  if (typeof v !== 'number') return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(+v.toPrecision(4));
}

/** Maps a value to 0..1 on an axis (numbers linear or log, other values by category position). */
function scaler(axis, values) {
  if (axis.kind === 'category') {
    const cats = [...new Set(values.map(String))];
    return { ticks: cats.map((c, i) => [c, cats.length === 1 ? 0.5 : i / (cats.length - 1)]),
             at: v => cats.length === 1 ? 0.5 : cats.indexOf(String(v)) / (cats.length - 1) };
  }
  const nums = values.filter(v => typeof v === 'number' && isFinite(v));
  const log = axis.log && nums.every(v => v > 0);
  const f = log ? Math.log10 : (x => x);
  let lo = Math.min(...nums.map(f)), hi = Math.max(...nums.map(f));
  if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
  const at = v => (typeof v === 'number' && isFinite(v)) ? (f(v) - lo) / (hi - lo) : null;
  const ticks = [...new Set(nums)].sort((a, b) => a - b);
  const shown = ticks.length <= 6 ? ticks : [ticks[0], ticks[Math.floor(ticks.length / 2)], ticks[ticks.length - 1]];
  return { ticks: shown.map(t => [fmt(t), at(t)]), at };
}

/** Blue (worse) → orange (better) by the metric's rank. */
function colour(t) {
  const h = 220 - 190 * t;
  return `hsl(${h}, 70%, 45%)`;
}

/**
 * data: { axes: [{ name, kind: 'number'|'category', log }], metric: { name, maximize },
 *         lines: [{ values: [...one per axis], metric: number|null, best: bool, label }] }
 */
export function drawParallelCoordinates(element, data) {
  element.replaceChildren();
  const lines = data.lines.filter(l => typeof l.metric === 'number' && isFinite(l.metric));
  const width = Math.max(320, element.clientWidth || 800), height = 300;
  const pad = { left: 50, right: 70, top: 28, bottom: 24 };
  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
                          'aria-label': 'parallel coordinates of swept parameters and metric' }, element);
  element.dataset.lines = String(lines.length);
  if (lines.length === 0) {
    el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', fill: '#888', 'font-size': 13 }, svg)
      .textContent = 'No finished configuration yet.';
    return;
  }
  const axes = [...data.axes, { name: data.metric.name, kind: 'number', log: false, isMetric: true }];
  const columns = axes.map((axis, i) => axis.isMetric ? lines.map(l => l.metric) : lines.map(l => l.values[i]));
  const scales = axes.map((axis, i) => scaler(axis, columns[i]));
  const x = i => pad.left + (axes.length === 1 ? 0 : i * (width - pad.left - pad.right) / (axes.length - 1));
  const y = t => pad.top + (1 - t) * (height - pad.top - pad.bottom);

  const metrics = lines.map(l => l.metric);
  const mlo = Math.min(...metrics), mhi = Math.max(...metrics);
  const goodness = m => mhi > mlo ? (data.metric.maximize ? (m - mlo) / (mhi - mlo) : (mhi - m) / (mhi - mlo)) : 1;

  // Best last, so it is drawn on top.
  const ordered = [...lines].sort((a, b) => (a.best - b.best) || (goodness(a.metric) - goodness(b.metric)));
  for (const line of ordered) {
    const pts = axes.map((axis, i) => {
      const t = scales[i].at(axis.isMetric ? line.metric : line.values[i]);
      return t === null ? null : `${x(i)},${y(t)}`;
    });
    if (pts.some(p => p === null)) continue;
    const path = el('polyline', {
      points: pts.join(' '), fill: 'none',
      stroke: line.best ? '#d32f2f' : colour(goodness(line.metric)),
      'stroke-width': line.best ? 3.5 : 1.6, 'stroke-opacity': line.best ? 1 : 0.75,
      class: line.best ? 'pc-line pc-best' : 'pc-line',
    }, svg);
    el('title', {}, path).textContent = `${line.label}\n${data.metric.name} = ${fmt(line.metric)}${line.best ? ' (best)' : ''}`;
  }
  axes.forEach((axis, i) => {
    el('line', { x1: x(i), x2: x(i), y1: y(0), y2: y(1), stroke: '#555', 'stroke-width': 1 }, svg);
    el('text', { x: x(i), y: 16, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': axis.isMetric ? 700 : 500, fill: '#222' }, svg)
      .textContent = axis.name + (axis.log ? ' (log)' : '');
    for (const [label, t] of scales[i].ticks) {
      if (t === null) continue;
      el('line', { x1: x(i) - 3, x2: x(i) + 3, y1: y(t), y2: y(t), stroke: '#555' }, svg);
      el('text', { x: x(i) + 6, y: y(t) + 4, 'font-size': 10, fill: '#444' }, svg).textContent = label;
    }
  });
}
