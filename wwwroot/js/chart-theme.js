// The charts' colours and the theme they follow: series palette, axis / grid / reference colours, the axis font,
// and redraw-on-theme-change. Apart so that the run chart and the compare chart look alike and both recolour when
// the user switches theme.
//
// Series colours: the Okabe–Ito palette, told apart with the common colour-vision deficiencies (not red/green alone).
// Its black is left out (it vanishes on the dark theme) and each theme puts the colours that contrast most with its
// background first (yellow only on dark). The theme is <html data-theme> (wwwroot/js/theme.js); a 'layerlab:theme'
// event redraws every chart in the new colours.
const PALETTE_LIGHT = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
const PALETTE_DARK = ['#56B4E9', '#E69F00', '#F0E442', '#CC79A7', '#009E73', '#D55E00'];
export const AXIS_FONT = '12px Roboto, "Helvetica Neue", Helvetica, Arial, sans-serif';

export function isDarkTheme() {
  return typeof document !== 'undefined' && document.documentElement?.dataset?.theme === 'dark';
}

/** Axis, grid and fallback reference colours for the theme in use. */
export function chartTheme() {
  return isDarkTheme()
    ? { axis: 'rgba(255, 255, 255, 0.72)', grid: 'rgba(255, 255, 255, 0.12)', reference: '#bdbdbd' }
    : { axis: 'rgba(0, 0, 0, 0.6)', grid: 'rgba(0, 0, 0, 0.08)', reference: '#616161' };
}

export function seriesColor(i) {
  const palette = isDarkTheme() ? PALETTE_DARK : PALETTE_LIGHT;
  if (i < palette.length) return palette[i];
  const hue = (i * 137.508) % 360;
  return isDarkTheme() ? `hsl(${hue.toFixed(0)}, 70%, 66%)` : `hsl(${hue.toFixed(0)}, 65%, 38%)`;
}

const themed = new Set();
if (typeof window !== 'undefined') {
  window.addEventListener('layerlab:theme', () => { for (const redraw of themed) redraw(); });
}

/** Calls redraw() whenever the theme changes; returns the function that stops it. */
export function onThemeChange(redraw) {
  themed.add(redraw);
  return () => themed.delete(redraw);
}
