// Draws one logged tensor as a heatmap on a canvas (the run page's tensor panel). The values arrive from the Blazor
// component, which also lists them in a table for screen readers; the canvas keeps what it drew in
// data-values/data-rows/data-cols so a test can compare the picture with what the run logged.
//
// Colours: diverging around 0 (blue < 0 < red, white at 0) scaled by the largest |value|, so the sign structure of a
// weight matrix (e.g. the GD-like block of icl-linreg's key-query matrix) reads at a glance.

/** Rows × columns of a shape: [n] is one row, [r, c] itself, [a, r, c] the a matrices stacked vertically. */
export function gridOf(shape) {
  if (shape.length === 1) return { rows: 1, cols: shape[0] };
  if (shape.length === 2) return { rows: shape[0], cols: shape[1] };
  return { rows: shape[0] * shape[1], cols: shape[2] };
}

/** The colour of value v when the scale runs from -m to m. */
export function colourOf(v, m) {
  const t = m > 0 ? Math.max(-1, Math.min(1, v / m)) : 0;
  const fade = (c) => Math.round(255 - (255 - c) * Math.abs(t));
  return t >= 0
    ? `rgb(${fade(178)},${fade(24)},${fade(43)})`    // red
    : `rgb(${fade(33)},${fade(102)},${fade(172)})`;  // blue
}

export function drawHeatmap(canvas, shape, data, options = {}) {
  const { rows, cols } = gridOf(shape);
  const width = options.width ?? 360;
  const cell = Math.max(2, Math.min(48, Math.floor(width / cols)));
  canvas.width = cols * cell;
  canvas.height = rows * cell;
  const ctx = canvas.getContext('2d');
  let m = 0;
  for (const v of data) m = Math.max(m, Math.abs(v));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      ctx.fillStyle = colourOf(data[r * cols + c], m);
      ctx.fillRect(c * cell, r * cell, cell, cell);
    }
  }
  canvas.dataset.rows = String(rows);
  canvas.dataset.cols = String(cols);
  canvas.dataset.values = JSON.stringify(Array.from(data));
  canvas.dataset.scale = String(m);
}
