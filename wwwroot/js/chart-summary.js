// The charts' numbers as text: the data table under each chart (a <details> that keyboards and screen readers can
// read instead of the canvas) and the number formats of that table, the legend and the axes. Apart so that the run
// chart and the compare chart render the same table and format numbers alike.
//
// Exports: renderDataSummary(details, caption, xName, rows), fmtNum (values), fmtStep (steps), fmtAxis (tick labels).

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

export function fmtNum(v) {
  if (v == null || Number.isNaN(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

export function fmtStep(v) {
  if (v == null) return '—';
  return Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(7)));
}

export function fmtAxis(v) {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e4 && Number.isInteger(v)) {
    const [d, unit] = a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M'] : [1e3, 'k'];
    return (v / d).toLocaleString('en-US', { maximumFractionDigits: 2 }) + unit;
  }
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}
