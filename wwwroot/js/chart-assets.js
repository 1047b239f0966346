// Loads what the charts need from wwwroot once per page: the uPlot and SignalR globals (wwwroot/lib, put there by
// scripts/install-web-assets.sh) and the stylesheets /lib/uPlot.min.css and /css/run-chart.css, each only when the
// page does not already have it. Apart so that the chart and the hub connection share one loader (a script is
// requested once however many charts mount at the same time).
//
// LIB_BASE and CSS_URL resolve against this module's own URL (import.meta.url, i.e. /js/), so this file must stay
// in wwwroot/js next to the modules that import it.

export const LIB_BASE = new URL('../lib/', import.meta.url);
const CSS_URL = new URL('../css/run-chart.css', import.meta.url);

const loading = new Map();

function loadScriptOnce(url) {
  const href = String(url);
  if (!loading.has(href)) {
    loading.set(href, new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = href;
      s.async = true;
      s.onload = () => resolve();
      s.onerror = () => { loading.delete(href); reject(new Error(`could not load ${href}`)); };
      document.head.appendChild(s);
    }));
  }
  return loading.get(href);
}

function ensureCss(url) {
  const href = String(url);
  for (const l of document.querySelectorAll('link[rel="stylesheet"]')) {
    if (l.href === href) return;
  }
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.appendChild(link);
}

export async function ensureUPlot(libBase) {
  ensureCss(new URL('uPlot.min.css', libBase));
  ensureCss(CSS_URL);
  if (!globalThis.uPlot) await loadScriptOnce(new URL('uPlot.iife.min.js', libBase));
  return globalThis.uPlot;
}

export async function ensureSignalR(libBase) {
  if (!globalThis.signalR) await loadScriptOnce(new URL('signalr.min.js', libBase));
  return globalThis.signalR;
}
