// LayerLab run panels' layout: which metric groups a person pinned, collapsed and in which order, for one
// experiment, saved on the server (GET/PUT api/panel-layouts/{experimentKey}, src/Web/Panels). Used by
// run-panels.js; kept apart so the grid's drawing and the person's arrangement of it can be read separately.
//
// Exports:
//   class PanelLayout { arrange(groups), isPinned(g), isCollapsed(g), apply(action, group, shown), toJSON() }
//   loadPanelLayout(url) -> Promise<PanelLayout | null>      (null: could not load; the caller keeps the default)
//   savePanelLayout(url, layout) -> Promise<boolean>
//   panelHeader(group, headingId, chartId, onAction) -> { el, update(state), focus(action) }

/** The server's bounds (PanelLayoutRules): a list names at most this many groups. */
const MAX_GROUPS = 64;

export class PanelLayout {
  constructor(order = [], pinned = [], collapsed = []) {
    this.order = [...order];
    this.pinned = new Set(pinned);
    this.collapsed = new Set(collapsed);
  }

  static from(body) {
    const list = (v) => (Array.isArray(v) ? v.filter((g) => typeof g === 'string') : []);
    return new PanelLayout(list(body?.order), list(body?.pinned), list(body?.collapsed));
  }

  isPinned(group) { return this.pinned.has(group); }
  isCollapsed(group) { return this.collapsed.has(group); }

  /**
   * The order to show `groups` (the run's groups in the server's key order): those the layout orders first, in its
   * order, then new ones in the given order; pinned ones ahead of the rest (the sort is stable).
   */
  arrange(groups) {
    const present = new Set(groups);
    const ordered = this.order.filter((g) => present.has(g));
    const known = new Set(ordered);
    for (const g of groups) if (!known.has(g)) ordered.push(g);
    return [...ordered.filter((g) => this.pinned.has(g)), ...ordered.filter((g) => !this.pinned.has(g))];
  }

  /** One header button's effect; `shown` is the current order on screen. Returns false when nothing changed. */
  apply(action, group, shown) {
    const i = shown.indexOf(group);
    if (i < 0) return false;
    if (action === 'pin') {
      if (this.pinned.has(group)) this.pinned.delete(group); else this.pinned.add(group);
    } else if (action === 'collapse') {
      if (this.collapsed.has(group)) this.collapsed.delete(group); else this.collapsed.add(group);
    } else if (action === 'up' || action === 'down') {
      const j = action === 'up' ? i - 1 : i + 1;
      // A panel moves among its own kind: pinned ones stay ahead of the rest.
      if (j < 0 || j >= shown.length || this.pinned.has(shown[j]) !== this.pinned.has(group)) return false;
      const next = [...shown];
      [next[i], next[j]] = [next[j], next[i]];
      this.setOrder(next);
    } else {
      return false;
    }
    // Pinning or collapsing also fixes the order shown now, so a later run with fewer groups keeps it.
    if (action === 'pin' || action === 'collapse') this.setOrder(shown);
    return true;
  }

  /** The shown order first, then groups this experiment's other runs had (kept so they return to their place). */
  setOrder(shown) {
    const seen = new Set(shown);
    this.order = [...shown, ...this.order.filter((g) => !seen.has(g))].slice(0, MAX_GROUPS);
  }

  toJSON() {
    return {
      order: this.order.slice(0, MAX_GROUPS),
      pinned: [...this.pinned].slice(0, MAX_GROUPS),
      collapsed: [...this.collapsed].slice(0, MAX_GROUPS),
    };
  }
}

export async function loadPanelLayout(url) {
  try {
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return PanelLayout.from(await res.json());
  } catch (err) {
    console.warn('[run-panels] could not load the panel layout:', err?.message ?? err);
    return null;
  }
}

// Saves go out one after another, so the last change is the one the server keeps.
let saving = Promise.resolve();

export function savePanelLayout(url, layout) {
  const body = JSON.stringify(layout);
  const attempt = saving.then(async () => {
    try {
      const res = await fetch(url, {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body,
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return true;
    } catch (err) {
      console.warn('[run-panels] could not save the panel layout:', err?.message ?? err);
      return false;
    }
  });
  saving = attempt;
  return attempt;
}

const ACTIONS = [
  // [action, text, label]: the label names the group so a screen reader's button list makes sense.
  ['pin', 'Pin', (g) => `Pin ${g} first`],
  ['up', '↑', (g) => `Move ${g} up`],
  ['down', '↓', (g) => `Move ${g} down`],
  ['collapse', 'Collapse', (g) => `Collapse ${g}`],
];

/** A panel's header: its heading and the buttons that arrange it. */
export function panelHeader(group, headingId, chartId, onAction) {
  const el = document.createElement('div');
  el.className = 'run-panel__header';
  const heading = document.createElement('h3');
  heading.className = 'run-panel__title';
  heading.id = headingId;
  heading.textContent = group;
  const tools = document.createElement('div');
  tools.className = 'run-panel__tools';
  tools.setAttribute('role', 'toolbar');
  tools.setAttribute('aria-label', `Arrange the ${group} panel`);
  const buttons = {};
  for (const [action, text, label] of ACTIONS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'run-panel__tool';
    b.textContent = text;
    b.setAttribute('aria-label', label(group));
    b.title = label(group);
    b.setAttribute('data-testid', `panel-${action}`);
    b.addEventListener('click', () => onAction(action));
    buttons[action] = b;
    tools.append(b);
  }
  buttons.collapse.setAttribute('aria-controls', chartId);
  el.append(heading, tools);
  return {
    el,
    update({ pinned, collapsed, canMoveUp, canMoveDown }) {
      buttons.pin.setAttribute('aria-pressed', String(pinned));
      buttons.pin.textContent = pinned ? 'Unpin' : 'Pin';
      buttons.pin.setAttribute('aria-label', pinned ? `Unpin ${group}` : `Pin ${group} first`);
      buttons.collapse.setAttribute('aria-expanded', String(!collapsed));
      buttons.collapse.textContent = collapsed ? 'Expand' : 'Collapse';
      buttons.collapse.setAttribute('aria-label', collapsed ? `Expand ${group}` : `Collapse ${group}`);
      buttons.up.disabled = !canMoveUp;
      buttons.down.disabled = !canMoveDown;
    },
    focus(action) {
      const b = buttons[action];
      // A move to the end disables the button pressed: keep focus in the toolbar.
      (b && !b.disabled ? b : Object.values(buttons).find((x) => !x.disabled))?.focus();
    },
  };
}
