// Replays one recorded control episode on the run page (EpisodeReplay.razor): cart-pole, acrobot, pendulum or
// mountain car drawn as SVG from the observations the environment produced, with play/pause, a step slider and a
// text line that says the state in words. Everything after the first draw runs here in the browser: playing at
// Gym's frame rate through the Blazor circuit would cost a round trip a frame.
//
// The episode is a [rows, obs + 2] float32 tensor (see EpisodeTrace.cs): row t is the observation after t steps,
// then the action that led to it and the reward it earned (0 and 0 on row 0). The host keeps the row it shows in
// data-step / data-state (raw values) / data-return, so a test can compare the picture with what the run stored.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600, HEIGHT = 260;

/** Per task: Gym's render rate, how to draw a row, and how to say it. obs is the row's observation. */
const TASKS = {
  cartpole: {
    fps: 50,
    scene: cartPole,
    describe: (obs, action) =>
      `cart at ${fix(obs[0], 2)} m, pole angle ${fix(obs[2], 3)} rad${action === null ? '' : action >= 0.5 ? ', pushed right' : ', pushed left'}`,
  },
  acrobot: {
    fps: 15,
    scene: acrobot,
    describe: (obs, action) => {
      const [t1, t2] = acrobotAngles(obs);
      const tip = -Math.cos(t1) - Math.cos(t1 + t2);
      return `link angles ${fix(t1, 3)} and ${fix(t2, 3)} rad, tip height ${fix(tip, 2)} (goal above 1)` +
        (action === null ? '' : `, torque ${[-1, 0, 1][Math.max(0, Math.min(2, Math.round(action)))]}`);
    },
  },
  pendulum: {
    fps: 30,
    scene: pendulum,
    describe: (obs, action) =>
      `pendulum angle ${fix(Math.atan2(obs[1], obs[0]), 3)} rad from upright, angular velocity ${fix(obs[2], 2)} rad/s` +
      (action === null ? '' : `, torque ${fix(action, 2)}`),
  },
  mountaincar: {
    fps: 30,
    scene: mountainCar,
    describe: (obs, action) =>
      `car at position ${fix(obs[0], 3)} (goal at 0.45), velocity ${fix(obs[1], 4)}` + (action === null ? '' : `, force ${fix(action, 2)}`),
  },
};

const fix = (v, digits) => Number(v).toFixed(digits);

/** Shows an episode in host (replacing any earlier one). options: { env, rows, cols, data, title }. */
export function mountReplay(host, options) {
  unmountReplay(host);
  const task = TASKS[options.env];
  const rows = Math.max(1, options.rows | 0);
  const cols = Math.max(3, options.cols | 0);
  const data = options.data ?? [];
  if (!task || data.length < rows * cols) { host.textContent = 'This episode cannot be drawn.'; return; }
  const obsSize = cols - 2;
  const row = (t) => Array.from(data.slice(t * cols, (t + 1) * cols));
  const returns = new Float64Array(rows);
  for (let t = 1; t < rows; t++) returns[t] = returns[t - 1] + data[t * cols + cols - 1];
  const last = rows - 1;

  host.textContent = '';
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('data-testid', 'replay-scene');
  svg.style.width = '100%';
  svg.style.maxWidth = `${WIDTH}px`;
  svg.style.display = 'block';
  host.append(svg);

  const controls = document.createElement('div');
  controls.style.cssText = 'display:flex;flex-wrap:wrap;align-items:center;gap:12px;margin-top:8px';
  const play = document.createElement('button');
  play.type = 'button';
  play.className = 'mud-button-root mud-button mud-button-outlined mud-button-outlined-primary mud-button-outlined-size-small';
  play.style.padding = '2px 12px';
  play.setAttribute('data-testid', 'replay-play');
  const label = document.createElement('label');
  label.style.cssText = 'display:flex;align-items:center;gap:8px';
  label.append('Step');
  const slider = document.createElement('input');
  slider.type = 'range';
  slider.min = '0';
  slider.max = String(last);
  slider.step = '1';
  slider.value = '0';
  slider.style.width = '18rem';
  slider.setAttribute('data-testid', 'replay-step');
  label.append(slider);
  controls.append(play, label);
  const text = document.createElement('p');
  text.setAttribute('data-testid', 'replay-state');
  text.style.margin = '6px 0 0';
  host.append(controls, text);

  let timer = null;
  const show = (t) => {
    t = Math.max(0, Math.min(last, t | 0));
    const values = row(t);
    const obs = values.slice(0, obsSize);
    const action = t === 0 ? null : values[obsSize];
    svg.replaceChildren(...task.scene(obs));
    const words = `step ${t} of ${last}, ${task.describe(obs, action)}, return so far ${Number(returns[t].toFixed(3))}`;
    svg.setAttribute('aria-label', `${options.title ?? options.env}: ${words}`);
    text.textContent = words;
    slider.value = String(t);
    slider.setAttribute('aria-valuetext', `step ${t} of ${last}`);
    host.dataset.step = String(t);
    host.dataset.steps = String(last);
    host.dataset.state = JSON.stringify(values);
    host.dataset.return = String(returns[t]);
  };
  const setPlaying = (on) => {
    if (timer !== null) { clearInterval(timer); timer = null; }
    if (on) {
      if (Number(slider.value) >= last) show(0);
      timer = setInterval(() => {
        const next = Number(slider.value) + 1;
        show(next);
        if (next >= last) setPlaying(false);
      }, 1000 / task.fps);
    }
    play.textContent = on ? 'Pause' : 'Play';
    play.setAttribute('aria-pressed', on ? 'true' : 'false');
    // While playing, the line changes every frame: announcing each would drown a screen reader.
    text.setAttribute('aria-live', on ? 'off' : 'polite');
  };
  play.addEventListener('click', () => setPlaying(timer === null));
  slider.addEventListener('input', () => { setPlaying(false); show(Number(slider.value)); });
  host._replayStop = () => setPlaying(false);
  setPlaying(false);
  show(0);
}

/** Stops the animation (the component calls this when it goes away or shows another episode). */
export function unmountReplay(host) {
  if (host && typeof host._replayStop === 'function') host._replayStop();
}

// ---- scenes: each returns SVG elements for one observation; strokes use currentColor so both themes read ----

function el(name, attributes) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  return node;
}

const line = (x1, y1, x2, y2, extra = {}) => el('line', { x1, y1, x2, y2, stroke: 'currentColor', 'stroke-width': 2, ...extra });
const ACCENT = '#c0603a', BODY = '#5b7fa6';

/** CartPole-v1: track ±2.4 m, cart at x, pole of length 1 m (twice Gym's half-length) leaning right for θ > 0. */
function cartPole(obs) {
  const scale = WIDTH / 5.6, ground = 200;
  const px = (x) => WIDTH / 2 + x * scale;
  const cx = px(obs[0]), theta = obs[2];
  const pivotY = ground - 22, pole = 1.0 * scale;
  return [
    line(px(-2.4), ground, px(2.4), ground),
    line(px(-2.4), ground - 40, px(-2.4), ground + 10, { 'stroke-dasharray': '4 4', opacity: 0.5 }),
    line(px(2.4), ground - 40, px(2.4), ground + 10, { 'stroke-dasharray': '4 4', opacity: 0.5 }),
    el('rect', { x: cx - 30, y: ground - 30, width: 60, height: 26, rx: 3, fill: BODY }),
    line(cx, pivotY, cx + pole * Math.sin(theta), pivotY - pole * Math.cos(theta), { stroke: ACCENT, 'stroke-width': 8, 'stroke-linecap': 'round' }),
    el('circle', { cx, cy: pivotY, r: 4, fill: 'currentColor' }),
  ];
}

function acrobotAngles(obs) {
  return [Math.atan2(obs[1], obs[0]), Math.atan2(obs[3], obs[2])];
}

/** Acrobot-v1 as Gym draws it: θ₁ = 0 hangs down; the tip must rise above the line one link over the pivot. */
function acrobot(obs) {
  const [t1, t2] = acrobotAngles(obs);
  const scale = 58, ox = WIDTH / 2, oy = 128;
  const p1 = [Math.sin(t1), -Math.cos(t1)];
  const p2 = [p1[0] + Math.sin(t1 + t2), p1[1] - Math.cos(t1 + t2)];
  const at = ([x, y]) => [ox + x * scale, oy - y * scale];
  const [x1, y1] = at(p1), [x2, y2] = at(p2);
  return [
    line(ox - 150, oy - scale, ox + 150, oy - scale, { 'stroke-dasharray': '6 4', opacity: 0.6 }),
    line(ox, oy, x1, y1, { stroke: BODY, 'stroke-width': 8, 'stroke-linecap': 'round' }),
    line(x1, y1, x2, y2, { stroke: ACCENT, 'stroke-width': 8, 'stroke-linecap': 'round' }),
    el('circle', { cx: ox, cy: oy, r: 5, fill: 'currentColor' }),
    el('circle', { cx: x1, cy: y1, r: 4, fill: 'currentColor' }),
  ];
}

/** Pendulum-v1: θ = 0 is upright; Gym draws positive θ counter-clockwise. */
function pendulum(obs) {
  const theta = Math.atan2(obs[1], obs[0]);
  const scale = 100, ox = WIDTH / 2, oy = 130;
  return [
    line(ox, oy, ox, oy - scale - 10, { 'stroke-dasharray': '4 4', opacity: 0.4 }),
    line(ox, oy, ox - scale * Math.sin(theta), oy - scale * Math.cos(theta), { stroke: ACCENT, 'stroke-width': 10, 'stroke-linecap': 'round' }),
    el('circle', { cx: ox, cy: oy, r: 5, fill: 'currentColor' }),
  ];
}

/** MountainCarContinuous-v0: the hill y = 0.45·sin(3x) + 0.55 on x ∈ [−1.2, 0.6], the goal flag at 0.45. */
function mountainCar(obs) {
  const left = 20, width = WIDTH - 40, bottom = 235, height = 200;
  const px = (x) => left + ((x + 1.2) / 1.8) * width;
  const py = (x) => bottom - (Math.sin(3 * x) * 0.45 + 0.55) * height;
  const points = [];
  for (let i = 0; i <= 120; i++) { const x = -1.2 + (1.8 * i) / 120; points.push(`${px(x).toFixed(1)},${py(x).toFixed(1)}`); }
  const x = Math.max(-1.2, Math.min(0.6, obs[0]));
  // The car's tilt in screen units: the hill's slope scaled by the axes' different px per unit.
  const slope = -(1.35 * Math.cos(3 * x) * height) / (width / 1.8);
  const angle = (Math.atan(slope) * 180) / Math.PI;
  const car = el('g', { transform: `translate(${px(x)},${py(x)}) rotate(${angle})` });
  car.append(
    el('rect', { x: -18, y: -16, width: 36, height: 12, rx: 3, fill: BODY }),
    el('circle', { cx: -10, cy: -3, r: 4, fill: 'currentColor' }),
    el('circle', { cx: 10, cy: -3, r: 4, fill: 'currentColor' }));
  const gx = px(0.45), gy = py(0.45);
  return [
    el('polyline', { points: points.join(' '), fill: 'none', stroke: 'currentColor', 'stroke-width': 2 }),
    line(gx, gy, gx, gy - 30),
    el('polygon', { points: `${gx},${gy - 30} ${gx + 16},${gy - 25} ${gx},${gy - 20}`, fill: ACCENT }),
    car,
  ];
}
