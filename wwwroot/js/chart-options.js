// uPlot's options for a run chart: one legend entry per series and per reference line (dashed, in its metric's
// colour), themed axes with compact tick labels, linear or log scales, drag-to-zoom on x, double-click to reset, and
// the legend's hover lookup. Apart from run-chart.js because it is the chart's whole uPlot configuration, rebuilt
// whenever the chart's structure changes (a new series, log axes, references, theme), while run-chart.js keeps the
// chart's life (loading, live points, redraw scheduling, zoom state).

import { AXIS_FONT, chartTheme, seriesColor } from './chart-theme.js';
import { fmtAxis, fmtNum, fmtStep } from './chart-summary.js';

/**
 * Options for a new uPlot of chart (a RunChart) at width pixels. Reads the chart's series, references, hidden
 * labels and axes; recolours its series for the theme in use and refills chart.colIndex (uPlot series index ->
 * legend label); the hooks call back into the chart (onScaleSet, resetZoom, hidden labels).
 */
export function makeUPlotOptions(chart, width) {
  const uPlot = chart.uPlot;
  const logY = chart.logY;
  const seriesOpts = [{ label: 'step', value: (u, v) => fmtStep(v) }];
  const theme = chartTheme();
  chart.colIndex = [null];
  // Colours follow the theme in use (a theme change rebuilds the chart through here).
  let colour = 0;
  for (const s of chart.series.values()) s.color = seriesColor(colour++);
  for (const s of chart.series.values()) {
    seriesOpts.push({
      label: s.key,
      stroke: s.color,
      width: 1.5,
      spanGaps: true,
      show: !chart.hidden.has(s.key),
      value: (u, v) => fmtNum(v),
      points: { size: 4 },
    });
    chart.colIndex.push(s.key);
  }
  chart.references.forEach((r, i) => {
    // Name the metric too: several metrics often share a reference label ("exact solution").
    const label = r.label
      ? (r.metricKey != null ? `${r.metricKey} · ${r.label}` : String(r.label))
      : `${r.metricKey ?? 'reference'} = ${fmtNum(+r.value)}`;
    const legendLabel = `${label} (ref)`;
    const target = r.metricKey != null ? chart.series.get(r.metricKey) : null;
    seriesOpts.push({
      label: legendLabel,
      stroke: target ? target.color : theme.reference,
      width: 1.25,
      dash: [6, 4],
      spanGaps: true,
      show: !chart.hidden.has(legendLabel),
      points: { show: false },
      value: () => fmtNum(+r.value),
    });
    chart.colIndex.push(legendLabel);
  });

  const axis = {
    stroke: theme.axis,
    font: AXIS_FONT,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1, size: 5 },
  };

  return {
    width,
    height: chart.height,
    class: 'run-chart__uplot',
    scales: {
      // x is always set explicitly (full extent or the zoom window): take it as given.
      x: { time: false, distr: chart.logX ? 3 : 1, log: 10, range: (u, min, max) => [min, max] },
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
      dataIdx: (u, si, ci, xv) => hoverIdx(chart.extents, u, si, ci, xv),
      points: { size: 7 },
      bind: {
        // uPlot's own double-click would fit x to the (windowed) data; reset to everything held.
        dblclick: () => () => { chart.resetZoom(); chart.options.onViewChange?.(null); return null; },
      },
    },
    hooks: {
      setScale: [(u, key) => chart.onScaleSet(u, key)],
      setSeries: [(u, idx, opts) => {
        if (idx == null || opts?.show == null) return;
        const label = chart.colIndex[idx];
        if (label == null) return;
        if (opts.show) chart.hidden.delete(label); else chart.hidden.add(label);
      }],
    },
  };
}

/**
 * Row whose value the legend shows for series si when the cursor is at row ci: the
 * series' nearest point; none when the cursor is beyond the series' first / last point
 * by more than a few pixels (a series that stopped early shows '—', not a stale value).
 */
function hoverIdx(extents, u, si, ci, xv) {
  if (si === 0 || ci == null) return ci;
  const col = u.data[si];
  if (col[ci] != null) return ci;
  const ext = extents?.[si];
  if (!ext) return null;
  const xs = u.data[0];
  const near = (i) => Math.abs(u.valToPos(xs[i], 'x') - u.valToPos(xv, 'x')) <= 12 ? i : null;
  if (ci < ext[0]) return near(ext[0]);
  if (ci > ext[1]) return near(ext[1]);
  let l = ci - 1; while (col[l] == null) l--;
  let r = ci + 1; while (col[r] == null) r++;
  return Math.abs(xs[l] - xv) <= Math.abs(xs[r] - xv) ? l : r;
}
