// LayerLab light / dark theme (issue #22). The layout (MainLayout.razor) imports this module once per circuit.
// The choice lives in a cookie so the server can prerender the right palette on the next full load (no light
// flash for dark users): layerlab-theme = light | dark (absent: follow the system), and layerlab-system-theme
// records what the system prefers, for the same reason. Charts listen for the 'layerlab:theme' window event
// and read the current theme from <html data-theme>.

const CHOICE = 'layerlab-theme';
const SYSTEM = 'layerlab-system-theme';
const YEAR = 365 * 24 * 3600;

let dotnet = null;
let watching = false;

function readCookie(name) {
  const hit = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : null;
}

function writeCookie(name, value) {
  document.cookie = `${name}=${encodeURIComponent(value)}; path=/; max-age=${YEAR}; samesite=lax`;
}

const systemQuery = () => window.matchMedia('(prefers-color-scheme: dark)');

/** Returns { choice: 'light' | 'dark' | null, systemDark } and reports later system changes to ref.OnSystemThemeChanged. */
export function initTheme(ref) {
  dotnet = ref;
  const query = systemQuery();
  writeCookie(SYSTEM, query.matches ? 'dark' : 'light');
  if (!watching) {
    watching = true;
    query.addEventListener('change', (e) => {
      writeCookie(SYSTEM, e.matches ? 'dark' : 'light');
      dotnet?.invokeMethodAsync('OnSystemThemeChanged', e.matches).catch(() => { /* circuit gone */ });
    });
  }
  const choice = readCookie(CHOICE);
  return { choice: choice === 'light' || choice === 'dark' ? choice : null, systemDark: query.matches };
}

/** Remembers an explicit choice ('light' | 'dark'), or forgets it (null: follow the system again). */
export function chooseTheme(choice) {
  if (choice === 'light' || choice === 'dark') writeCookie(CHOICE, choice);
  else document.cookie = `${CHOICE}=; path=/; max-age=0; samesite=lax`;
}

/** Marks the page with the theme in use and tells the charts to redraw in its colours. */
export function applyTheme(dark) {
  const root = document.documentElement;
  const theme = dark ? 'dark' : 'light';
  if (root.dataset.theme === theme) return;
  root.dataset.theme = theme;
  root.style.colorScheme = theme;
  window.dispatchEvent(new CustomEvent('layerlab:theme', { detail: { dark } }));
}

export function disposeTheme() {
  dotnet = null;
}
