// The playground's page: controls, pictures and text. All numbers come from Python
// (micrograd_beans.course.playground.Session in worker.js); this file only draws them.
import { STRINGS } from "./strings.js";

const $ = (id) => document.getElementById(id);
const SETTINGS = ["lesson", "seed", "hidden", "activation", "loss", "optimizer", "lr"];
const COLORS = { toxic: "#c62828", safe: "#2e7d32", curve: "#1f5fbf", other: "#6a1b9a" };

const page = {
  lang: "en",
  lessons: null, // lessons.json: settings, beans per seed, the untrained curve
  view: null, // the last view Python sent
  losses: [], // every epoch's mean loss, as fit records it
  playing: false,
  ready: false,
  chunk: 1, // epochs per training request while playing, tuned to ~50 ms of Python
  graph: null,
  beans: null, // the learner's own beans {xs, ys}, or null for the lesson's
};

// --- talking to Python --------------------------------------------------------------------
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
let nextId = 0;
const waiting = new Map();
worker.onmessage = (event) => {
  const data = event.data;
  if (data.progress) return progress(data.progress);
  if (data.failed) return showError(`${t("failed")} ${data.failed}`);
  const { resolve } = waiting.get(data.id);
  waiting.delete(data.id);
  resolve({ ...JSON.parse(data.answer), ms: data.ms });
};
let queue = Promise.resolve();
function ask(request) {
  // one request at a time, in order: every answer reflects all the requests before it
  const run = () =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, { resolve });
      worker.postMessage({ id, request: JSON.stringify(request) });
    });
  queue = queue.then(run, run);
  return queue;
}

// Resolves once every request sent so far (and any sent while waiting) has been answered
// and drawn: what the browser tests wait for.
async function idle() {
  let seen;
  do {
    seen = queue;
    await seen;
    await drawn;
    await new Promise((r) => setTimeout(r, 0));
  } while (seen !== queue);
}

function progress(stage) {
  const steps = { runtime: 1, package: 2, ready: 3 };
  $("progress").value = steps[stage];
  $("status-text").textContent = t(`stage_${stage}`);
  if (stage === "ready") {
    $("status").classList.add("ready");
    page.ready = true;
    for (const el of document.querySelectorAll("button, input, select, textarea")) el.disabled = false;
    reset();
  }
}

// --- text in two languages ----------------------------------------------------------------
function t(key, values = {}) {
  let text = STRINGS[page.lang][key] ?? STRINGS.en[key] ?? key;
  for (const [k, v] of Object.entries(values)) text = text.replaceAll(`{${k}}`, v);
  return text;
}

function applyLanguage() {
  document.documentElement.lang = page.lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll("[data-t-aria]")) el.setAttribute("aria-label", t(el.dataset.tAria));
  $("lang").textContent = page.lang === "zh" ? "English" : "中文";
  $("lang").lang = page.lang === "zh" ? "en" : "zh";
  document.title = t("doc_title");
  fillLessons();
  setPlaying(page.playing);
  if (!page.ready) $("status-text").textContent = t("loading");
  else $("status-text").textContent = t("stage_ready");
  if (page.view) showView(page.view);
  if (page.graph) showGraph(page.graph);
}

function fillLessons() {
  const select = $("lesson");
  const chosen = select.value;
  select.replaceChildren(
    ...Object.values(page.lessons).map((lesson) => new Option(t(`lesson_${lesson.name}`), lesson.name))
  );
  if (chosen) select.value = chosen;
}

// --- settings and the URL hash ------------------------------------------------------------
function lessonDefaults(name) {
  const l = page.lessons[name];
  return { lesson: name, seed: "0", hidden: l.hidden.join(","), activation: l.activation,
    loss: l.loss, optimizer: l.optimizer, lr: String(l.lr) };
}

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const lesson = page.lessons[params.get("lesson")] ? params.get("lesson") : "hidden-layer";
  const values = lessonDefaults(lesson);
  for (const key of SETTINGS) if (params.has(key)) values[key] = params.get(key);
  if (params.has("layers") && !params.has("hidden")) values.hidden = params.get("layers");
  page.lang = params.get("lang") === "zh" ? "zh" : "en";
  page.beans = params.has("beans") ? decodeBeans(params.get("beans")) : null;
  for (const key of SETTINGS) $(key).value = values[key];
}

function writeHash() {
  const params = new URLSearchParams();
  for (const key of SETTINGS) params.set(key, $(key).value);
  params.set("lang", page.lang);
  if (page.beans && page.beans.xs.length <= 60) params.set("beans", encodeBeans(page.beans));
  history.replaceState(null, "", `#${params.toString()}`);
}

const encodeBeans = ({ xs, ys }) =>
  xs.map((x, k) => [...[x].flat().map((v) => +v.toPrecision(4)), ys[k]].join(":")).join("_");
function decodeBeans(text) {
  const rows = text.split("_").map((row) => row.split(":").map(Number));
  if (!rows.length || rows.some((r) => r.length < 2 || r.some((v) => !Number.isFinite(v)))) return null;
  const nin = rows[0].length - 1;
  return { xs: rows.map((r) => (nin === 1 ? r[0] : r.slice(0, nin))), ys: rows.map((r) => r[nin]) };
}

function settings() {
  const hidden = $("hidden").value.trim();
  return {
    lesson: $("lesson").value,
    seed: Number($("seed").value),
    hidden: hidden === "" ? [] : hidden.split(/[ ,]+/).map(Number),
    activation: $("activation").value,
    loss: $("loss").value,
    optimizer: $("optimizer").value,
    lr: Number($("lr").value),
  };
}

// --- running ------------------------------------------------------------------------------
async function reset() {
  setPlaying(false);
  writeHash();
  page.losses = [];
  const view = await ask({ do: "reset", settings: settings(), bean: gradBean() });
  if (view.error) return showError(view.error);
  if (page.beans) {
    const answer = await ask({ do: "set_beans", ...page.beans, bean: gradBean() });
    if (answer.error) showError(answer.error);
    else return update(answer, true);
  }
  update(view, true);
}

function update(view, redrawAll = false) {
  if (view.error) {
    setPlaying(false);
    return showError(view.error);
  }
  showError("");
  page.losses.push(...view.state.losses);
  page.view = view;
  showView(view, redrawAll);
  if (!page.playing) refreshSide();
}

async function train(epochs, table = true) {
  const view = await ask({ do: "train", epochs, since: page.view.state.epoch, bean: gradBean(), table });
  update(view);
  return view;
}

function setPlaying(on) {
  page.playing = on;
  $("play-text").textContent = t(on ? "pause" : "play");
  $("play-icon").textContent = on ? "❚❚" : "▶";
  $("play").setAttribute("aria-pressed", String(on));
}

async function play() {
  setPlaying(true);
  for (let frame = 0; page.playing; frame++) {
    // the gradient table (a backward pass per bean) every few frames only: it costs as much
    // as a few epochs of training
    const view = await train(page.chunk, frame % 8 === 0);
    if (view.error) break;
    // about 60 ms of training per request, so the picture moves smoothly
    const ms = Math.max(view.train_ms, 1);
    page.chunk = Math.max(1, Math.min(1000, Math.round((page.chunk * 60) / ms)));
    await new Promise((r) => requestAnimationFrame(r));
  }
  refreshSide();
}

async function refreshSide() {
  const code = await ask({ do: "code" });
  $("python").textContent = code.python;
  $("generated").textContent = code.generated;
  await showBackward(page.graph ? page.graph.step : 0);
}

function showError(message) {
  $("error").hidden = !message;
  $("error").textContent = message;
}

// --- drawing ------------------------------------------------------------------------------
const fmt = (x) => (x === null || x === undefined ? "–" : Number(x).toPrecision(6));

function showView(view, redrawAll) {
  const s = view.state;
  $("epoch").textContent = s.epoch;
  $("loss-now").textContent = fmt(s.loss);
  $("accuracy").textContent = s.accuracy === null ? "–" : `${(100 * s.accuracy).toFixed(1)}%`;
  drawPicture($("picture"), view.picture, s.xs, s.ys);
  drawNeurons(view.picture, s);
  drawLoss();
  $("formula").textContent = view.formula.join("\n");
  showSliders(s.parameters, redrawAll);
  if (view.table) showTable(view.table);
  fillBeans(s);
}

function scales(canvas, picture, ys) {
  const [w, h] = [canvas.width, canvas.height];
  const pad = { l: 40, r: 10, t: 10, b: 28 };
  const [x0, x1] = picture.bounds[0];
  let y0, y1;
  if (picture.nin === 1) {
    const values = [...ys, ...picture.output.filter(Number.isFinite)];
    y0 = Math.min(-0.1, ...values);
    y1 = Math.max(1.1, ...values);
    y0 = Math.max(y0, -2);
    y1 = Math.min(y1, 3);
  } else [y0, y1] = picture.bounds[1];
  return {
    sx: (x) => pad.l + ((x - x0) / (x1 - x0)) * (w - pad.l - pad.r),
    sy: (y) => h - pad.b - ((y - y0) / (y1 - y0)) * (h - pad.t - pad.b),
    ix: (px) => x0 + ((px - pad.l) / (w - pad.l - pad.r)) * (x1 - x0),
    iy: (py) => y0 + ((h - pad.b - py) / (h - pad.t - pad.b)) * (y1 - y0),
    x0, x1, y0, y1, pad,
  };
}

function beanColor(y, classification) {
  if (!classification) return COLORS.other;
  return y >= 0.5 ? COLORS.toxic : COLORS.safe;
}

function drawPicture(canvas, picture, xs, ys, { small = false, values = null } = {}) {
  const ctx = canvas.getContext("2d");
  const s = scales(canvas, picture, ys);
  const out = values ?? picture.output;
  const classification = ys.every((y) => y === 0 || y === 1);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (picture.nin === 2) {
    const n = Math.round(Math.sqrt(out.length));
    const lo = values ? Math.min(...out) : 0;
    const hi = values ? Math.max(...out) : 1;
    const cw = (s.sx(s.x1) - s.sx(s.x0)) / n;
    const ch = (s.sy(s.y0) - s.sy(s.y1)) / n;
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        const v = (out[j * n + i] - lo) / (hi - lo || 1);
        ctx.fillStyle = mapColor(v);
        ctx.fillRect(s.sx(s.x0) + i * cw, s.sy(s.y0) - (j + 1) * ch, cw + 0.5, ch + 0.5);
      }
  }
  if (!small) axes(ctx, s, picture.nin);
  if (picture.nin === 1) {
    const lo = values ? Math.min(...out) : s.y0;
    const hi = values ? Math.max(...out) : s.y1;
    const sy = values ? (v) => s.sy(s.y0 + ((v - lo) / (hi - lo || 1)) * (s.y1 - s.y0)) : s.sy;
    ctx.strokeStyle = COLORS.curve;
    ctx.lineWidth = small ? 3 : 2.5;
    ctx.beginPath();
    picture.grid.forEach((x, k) => (k ? ctx.lineTo(s.sx(x), sy(out[k])) : ctx.moveTo(s.sx(x), sy(out[k]))));
    ctx.stroke();
  }
  if (small) return;
  xs.forEach((x, k) => {
    const [px, py] = picture.nin === 1 ? [s.sx(x), s.sy(ys[k])] : [s.sx(x[0]), s.sy(x[1])];
    ctx.beginPath();
    ctx.arc(px, py, 4, 0, 2 * Math.PI);
    ctx.fillStyle = beanColor(ys[k], classification);
    ctx.fill();
    ctx.strokeStyle = "white";
    ctx.lineWidth = 1;
    ctx.stroke();
  });
}

function mapColor(v) {
  // 0: the safe green, 1: the toxic red, through white at 0.5
  const mix = (a, b, f) => Math.round(a + (b - a) * f);
  const [a, b, f] = v < 0.5 ? [[165, 214, 167], [255, 255, 255], v * 2] : [[255, 255, 255], [239, 154, 154], v * 2 - 1];
  return `rgb(${mix(a[0], b[0], f)},${mix(a[1], b[1], f)},${mix(a[2], b[2], f)})`;
}

function axes(ctx, s, nin) {
  ctx.strokeStyle = "#8a93a3";
  ctx.fillStyle = "#5b6474";
  ctx.lineWidth = 1;
  ctx.font = "12px system-ui, sans-serif";
  ctx.beginPath();
  ctx.moveTo(s.pad.l, s.sy(s.y1));
  ctx.lineTo(s.pad.l, s.sy(s.y0));
  ctx.lineTo(s.sx(s.x1), s.sy(s.y0));
  ctx.stroke();
  const ticks = (lo, hi) => {
    const step = niceStep((hi - lo) / 5);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(6));
    return out;
  };
  for (const v of ticks(s.x0, s.x1)) ctx.fillText(String(v), s.sx(v) - 8, s.sy(s.y0) + 16);
  for (const v of ticks(s.y0, s.y1)) ctx.fillText(String(v), 4, s.sy(v) + 4);
  ctx.fillText(nin === 1 ? t("size_x") : "x1", s.sx(s.x1) - 60, s.sy(s.y0) - 6);
  if (nin === 2) ctx.fillText("x2", s.pad.l + 4, s.sy(s.y1) + 12);
}

function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw);
}

function drawNeurons(picture, state) {
  const box = $("neurons");
  const wanted = picture.hidden.flat().length;
  if (box.children.length !== wanted) {
    box.replaceChildren();
    picture.hidden.forEach((layer, li) =>
      layer.forEach((_, j) => {
        const fig = document.createElement("figure");
        const canvas = document.createElement("canvas");
        canvas.width = 144;
        canvas.height = 108;
        canvas.setAttribute("role", "img");
        const name = `a${j + 1}_${li + 1}`;
        canvas.setAttribute("aria-label", name);
        const caption = document.createElement("figcaption");
        caption.textContent = name;
        fig.append(canvas, caption);
        box.append(fig);
      })
    );
  }
  let k = 0;
  picture.hidden.forEach((layer) =>
    layer.forEach((values) => {
      const canvas = box.children[k++].querySelector("canvas");
      drawPicture(canvas, picture, state.xs, state.ys, { small: true, values });
    })
  );
}

let lossPlot = null;
function drawLoss() {
  const el = $("loss-plot");
  const xs = page.losses.map((_, k) => k + 1);
  const data = [xs, page.losses];
  const width = Math.max(240, el.clientWidth - 4);
  if (!lossPlot) {
    lossPlot = new uPlot(
      {
        width,
        height: 220,
        scales: { x: { time: false } },
        axes: [{ label: t("epoch") }, {}],
        legend: { show: false },
        series: [{}, { label: t("loss_now"), stroke: COLORS.curve, width: 2 }],
      },
      data,
      el
    );
    new ResizeObserver(() => lossPlot.setSize({ width: Math.max(240, el.clientWidth - 4), height: 220 })).observe(el);
  } else lossPlot.setData(data);
}

function showSliders(parameters, rebuild) {
  const box = $("sliders");
  const names = Object.keys(parameters);
  if (names.length > 60) {
    box.replaceChildren(Object.assign(document.createElement("p"), { textContent: t("too_many", { n: names.length }) }));
    return;
  }
  if (rebuild || box.dataset.names !== names.join()) {
    box.dataset.names = names.join();
    box.replaceChildren();
    for (const name of names) {
      const label = document.createElement("label");
      label.htmlFor = `p-${name}`;
      label.textContent = name;
      const input = document.createElement("input");
      Object.assign(input, { type: "range", id: `p-${name}`, min: -16, max: 16, step: 0.01 });
      input.setAttribute("aria-label", name);
      input.dataset.name = name;
      input.addEventListener("input", () => setParameter(name, Number(input.value)));
      const out = document.createElement("output");
      out.id = `v-${name}`;
      box.append(label, input, out);
    }
  }
  for (const name of names) {
    const input = $(`p-${name}`);
    if (document.activeElement !== input || page.playing) input.value = parameters[name];
    $(`v-${name}`).textContent = Number(parameters[name]).toPrecision(5);
  }
}

let pendingParameter = null;
async function setParameter(name, value) {
  // while one change is with Python, keep only the latest value of a dragged slider
  const busy = pendingParameter !== null;
  pendingParameter = { name, value };
  if (busy) return;
  while (pendingParameter) {
    const p = pendingParameter;
    const answer = await ask({ do: "set_parameter", ...p, since: page.view.state.epoch, bean: gradBean() });
    if (pendingParameter === p) pendingParameter = null;
    update(answer);
  }
}

function gradBean() {
  const v = $("grad-bean").value;
  return v === "" || v === "all" ? null : Number(v);
}

function fillBeans(state) {
  const select = $("grad-bean");
  const key = `${page.lang}:${state.xs.length}:${state.xs[0]}`;
  if (select.dataset.key === key) return;
  select.dataset.key = key;
  const chosen = select.value;
  const label = (x) => [x].flat().map((v) => Number(v).toPrecision(3)).join(", ");
  select.replaceChildren(
    new Option(t("all_beans"), "all"),
    ...state.xs.map((x, k) => new Option(t("bean_k", { k, x: label(x), y: state.ys[k] }), String(k)))
  );
  select.value = chosen && Number(chosen) < state.xs.length ? chosen : "all";
  $("graph-bean").max = state.xs.length - 1;
  $("beans-text").value = state.xs.map((x, k) => [...[x].flat(), state.ys[k]].join(",")).join("\n");
}

function showTable(rows) {
  const note = rows.some((r) => "note" in r);
  const head = [t("parameter"), t("value"), t("by_engine")];
  if (note) head.push(t("by_note"), t("note_formula"));
  const table = $("grads");
  table.replaceChildren();
  const tr = table.createTHead().insertRow();
  for (const h of head) tr.append(Object.assign(document.createElement("th"), { textContent: h, scope: "col" }));
  const body = table.createTBody();
  for (const r of rows) {
    const row = body.insertRow();
    const cells = [r.name, fmt(r.value), fmt(r.engine)];
    if (note) cells.push(fmt(r.note), r.formula);
    cells.forEach((c, k) => {
      const cell = row.insertCell();
      cell.textContent = c;
      if (k === 4) cell.className = "formula";
    });
  }
  if (!note) {
    const caption = table.createCaption();
    caption.textContent = t("no_note");
  }
}

// --- the graph, stepped backward ----------------------------------------------------------
let viz = null;
async function showBackward(step) {
  const bean = Math.max(0, Math.min(Number($("graph-bean").value) || 0, page.view.state.xs.length - 1));
  const answer = await ask({ do: "backward", bean, step });
  if (answer.error) return showError(answer.error);
  page.graph = answer;
  await showGraph(answer);
}

async function go(step) {
  const answer = await ask({ do: "go", step });
  if (answer.error) return showError(answer.error);
  page.graph = answer;
  await showGraph(answer);
}

let drawn = Promise.resolve();
function showGraph(g) {
  drawn = drawGraph(g);
  return drawn;
}

async function drawGraph(g) {
  $("graph-head").textContent =
    g.step === 0 ? t("graph_start", { n: g.steps }) : t("graph_step", { k: g.step, n: g.steps, node: g.current, grad: g.current_grad_shown });
  $("graph-lines").textContent = g.lines.join("\n") + (g.step === g.steps ? `\n${t("graph_done")}` : "");
  viz ??= await Viz.instance();
  const svg = viz.renderSVGElement(g.dot);
  svg.removeAttribute("width");
  svg.style.width = `${Math.round(svg.viewBox.baseVal.width * 0.8)}px`;
  $("graph").replaceChildren(svg);
}

// --- your own beans -----------------------------------------------------------------------
function currentBeans() {
  const s = page.view.state;
  return { xs: s.xs.map((x) => (Array.isArray(x) ? [...x] : x)), ys: [...s.ys] };
}

async function setBeans(beans) {
  page.beans = beans;
  writeHash();
  const answer = await ask({ do: "set_beans", ...beans, since: page.view.state.epoch, bean: gradBean() });
  if (answer.error) return showError(answer.error);
  update(answer, true);
}

function clickPicture(event) {
  if (!page.ready || !page.view) return;
  const canvas = $("picture");
  const rect = canvas.getBoundingClientRect();
  const px = ((event.clientX - rect.left) / rect.width) * canvas.width;
  const py = ((event.clientY - rect.top) / rect.height) * canvas.height;
  const s = scales(canvas, page.view.picture, page.view.state.ys);
  const x = +s.ix(px).toPrecision(4);
  const y = +s.iy(py).toPrecision(4);
  const nin = page.view.picture.nin;
  const beans = currentBeans();
  const mode = $("click-mode").value;
  if (mode === "remove") {
    const dist = (b) => (nin === 1 ? Math.abs(s.sx(b) - px) : Math.hypot(s.sx(b[0]) - px, s.sy(b[1]) - py));
    let best = 0;
    beans.xs.forEach((b, k) => (dist(b) < dist(beans.xs[best]) ? (best = k) : 0));
    if (beans.xs.length > 1) {
      beans.xs.splice(best, 1);
      beans.ys.splice(best, 1);
    }
  } else {
    const regression = page.lessons[$("lesson").value].task === "regression";
    beans.xs.push(nin === 1 ? x : [x, y]);
    beans.ys.push(nin === 1 && regression ? y : Number(mode));
  }
  setBeans(beans);
}

function pasteBeans() {
  const nin = page.view.picture.nin;
  const rows = $("beans-text").value.split("\n").map((l) => l.trim()).filter(Boolean);
  const xs = [];
  const ys = [];
  for (const [k, line] of rows.entries()) {
    const v = line.split(/[,\s;]+/).map(Number);
    if (v.length !== nin + 1 || v.some((n) => !Number.isFinite(n)))
      return showError(t("bad_line", { k: k + 1, line, want: nin === 1 ? "x,y" : "x1,x2,y" }));
    xs.push(nin === 1 ? v[0] : v.slice(0, 2));
    ys.push(v[nin]);
  }
  setBeans({ xs, ys });
}

// --- before Python is ready: the lesson's beans and the untrained curve, from the JSON -----
function preview() {
  const lesson = page.lessons[$("lesson").value];
  const seed = $("seed").value;
  const [xs, ys] = lesson.beans[seed] ?? lesson.beans["0"];
  const cols = lesson.nin === 1 ? [xs] : [xs.map((x) => x[0]), xs.map((x) => x[1])];
  const bounds = cols.map((c) => {
    const lo = Math.min(...c);
    const hi = Math.max(...c);
    const pad = 0.05 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  });
  if (lesson.nin === 1) bounds[0][0] = Math.min(0, bounds[0][0]);
  const out = lesson.preview[seed];
  const n = lesson.nin === 1 ? out.length : Math.round(Math.sqrt(out.length));
  const grid = lesson.nin === 1 ? out.map((_, k) => bounds[0][0] + ((bounds[0][1] - bounds[0][0]) * k) / (n - 1)) : [];
  drawPicture($("picture"), { nin: lesson.nin, bounds, grid, output: out, hidden: [] }, xs, ys);
}

// --- wiring -------------------------------------------------------------------------------
async function main() {
  // before the first await: the page's load event can come before the lessons arrive, and a
  // control must not look usable until Python is ready
  for (const el of document.querySelectorAll("#controls button, #controls input, #controls select, main button, main input, main select, main textarea"))
    el.disabled = !page.ready;
  page.lessons = await (await fetch("./lessons.json")).json();
  $("seed").replaceChildren(...Object.keys(page.lessons["hidden-layer"].beans).map((s) => new Option(s, s)));
  fillLessons();
  readHash();
  applyLanguage();
  preview();
  $("lang").addEventListener("click", () => {
    page.lang = page.lang === "zh" ? "en" : "zh";
    applyLanguage();
    writeHash();
  });
  $("lesson").addEventListener("change", () => {
    const defaults = lessonDefaults($("lesson").value);
    defaults.seed = $("seed").value;
    for (const key of SETTINGS) $(key).value = defaults[key];
    page.beans = null;
    page.ready ? reset() : preview();
  });
  for (const key of SETTINGS.slice(1))
    $(key).addEventListener("change", () => {
      if (key === "seed") page.beans = null;
      page.ready ? reset() : preview();
    });
  $("reset").addEventListener("click", reset);
  $("play").addEventListener("click", () => (page.playing ? setPlaying(false) : play()));
  $("step").addEventListener("click", () => {
    setPlaying(false);
    train(1);
  });
  $("grad-bean").addEventListener("change", async () => update(await ask({ do: "view", since: page.view.state.epoch, bean: gradBean() })));
  $("graph-bean").addEventListener("change", () => showBackward(0));
  $("graph-start").addEventListener("click", () => go(0));
  $("graph-back").addEventListener("click", () => go(page.graph.step - 1));
  $("graph-next").addEventListener("click", () => go(page.graph.step + 1));
  $("graph-end").addEventListener("click", () => go(page.graph.steps));
  $("picture").addEventListener("click", clickPicture);
  $("beans-apply").addEventListener("click", pasteBeans);
  $("beans-lesson").addEventListener("click", () => {
    page.beans = null;
    reset();
  });
  $("copy").addEventListener("click", async () => {
    // select the code and copy it within the click (works offline and without a permission
    // prompt); the asynchronous clipboard API only where that is refused
    const range = document.createRange();
    range.selectNodeContents($("python"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    if (!document.execCommand("copy")) await navigator.clipboard.writeText($("python").textContent);
    $("copied").textContent = t("copied");
  });
  window.addEventListener("hashchange", () => {
    readHash();
    applyLanguage();
    if (page.ready) reset();
  });
  // for the browser tests and the benchmark: the same requests the buttons send
  window.playground = { ask, page, reset, idle };
}

main().catch((err) => showError(String(err)));
