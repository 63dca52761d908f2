/* chainrule playground: loads Pyodide, unpacks chainrule's wheel into its site-packages (no
 * micropip, no package index), then calls the package's own functions:
 *   autograd.playground.explain_expression(expression, at) -> JSON (table, explorer, DOT)
 *   nn.apps.moons_demo.MoonsDemo().step_json() / boundary_json()  -> JSON
 * Graphs are laid out by Graphviz compiled to WebAssembly (@viz-js/viz). Text from Python
 * goes in with textContent, never as HTML; the only HTML inserted is Graphviz's SVG.
 *
 * Test contract: [data-chainrule-playground] gets data-ready="true" when Python and chainrule
 * are loaded (data-phase: loading | ready | failed); the moons section carries data-step,
 * data-loss, data-first-loss and data-running; each gradient is a [data-grad] span. */
const root = document.querySelector("[data-chainrule-playground]");
const config = JSON.parse(document.getElementById("pg-config").textContent);
// base URLs as absolute URLs: a relative one ("pyodide/") is the page's folder, not a package
config.pyodideUrl = new URL(config.pyodideUrl, document.baseURI).href;
config.vizUrl = new URL(config.vizUrl, document.baseURI).href;
const $ = (selector, within) => (within || root).querySelector(selector);
const explainBox = $(".pg-explain"), moonsBox = $(".pg-moons"), editorBox = $(".pg-editor");
const form = $(".pg-form");
// the page's own buttons, by name (the explorer inside has buttons of its own)
const boxOf = {run: explainBox, train: moonsBox, stop: moonsBox, reset: moonsBox, exec: editorBox};
const button = name => $(`button[name="${name}"]`, boxOf[name]);
const started = performance.now();
let py = null, viz = null, explainFn = null, MoonsDemo = null, namespace = null, runCell = null;

// ---- loading, with progress --------------------------------------------------------------
function stage(value, text) {
  $(".pg-loading progress").value = value;
  $(".pg-status").textContent = text;
}

async function fetchBytes(url, what, value) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${what}: ${url} answered ${response.status}`);
  const total = Number(response.headers.get("content-length")) || 0;
  if (!response.body || !total) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader(), parts = [];
  let got = 0;
  for (;;) {
    const {done, value: chunk} = await reader.read();
    if (done) break;
    parts.push(chunk); got += chunk.length;
    stage(value, `${what}: ${(got / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`);
  }
  const out = new Uint8Array(got);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

async function loadViz() {
  const module = await import(config.vizUrl + "viz.js");
  return module.instance();
}

async function load() {
  const vizLoading = loadViz().then(v => { viz = v; }, err => {
    console.error(err);
    viz = {error: "graph layout unavailable (" + oneLine(err) + "): the table still works"};
  });
  stage(0, "Loading Python (Pyodide, about 10 MB)…");
  const {loadPyodide} = await import(config.pyodideUrl + "pyodide.mjs");
  stage(1, "Starting Python in WebAssembly…");
  py = await loadPyodide({indexURL: config.pyodideUrl});
  stage(2, `Installing chainrule ${config.version}…`);
  const wheel = await fetchBytes(config.wheel, "chainrule's wheel", 2);
  const site = py.runPython("import sysconfig; sysconfig.get_path('purelib')");
  py.unpackArchive(wheel, "zip", {extractDir: site});
  stage(3, "Importing autograd and nn…");
  py.runPython("import autograd, nn\n" +
               "from autograd.playground import explain_expression\n" +
               "from nn.apps.moons_demo import MoonsDemo");
  explainFn = py.globals.get("explain_expression");
  MoonsDemo = py.globals.get("MoonsDemo");
  namespace = py.globals.get("dict")();
  py.runPython("from autograd import Value, explain, no_grad\nimport autograd, nn",
               {globals: namespace});
  // the editor cell: the learner's own Python, in their browser (a REPL: the last
  // expression's repr is shown)
  runCell = py.runPython(
    "async def _run_cell(code, namespace):\n" +
    "    from pyodide.code import eval_code_async\n" +
    "    value = await eval_code_async(code, namespace, filename='<cell>')\n" +
    "    return None if value is None else repr(value)\n" +
    "_run_cell");
  stage(4, "Loading the graph layout (Graphviz in WebAssembly)…");
  await vizLoading;
  const pyVersion = py.runPython("import sys; sys.version.split()[0]");
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  stage(5, `Ready in ${seconds} s: chainrule ${config.version} on Python ${pyVersion} ` +
           `(Pyodide ${py.version}), all in this page.`);
  ["run", "train", "reset", "exec"].forEach(n => { button(n).disabled = false; });
  root.dataset.ready = "true";
  root.dataset.phase = "ready";
  explain();
}

// ---- one-line errors ------------------------------------------------------------------------
function oneLine(err) {
  const text = String(err && err.message !== undefined ? err.message : err).trim();
  const lines = text.split("\n").map(s => s.trim()).filter(Boolean);
  if (!lines.length) return "unknown error";
  const last = lines[lines.length - 1];
  const where = [...text.matchAll(/File "<cell>", line (\d+)/g)].pop();
  return where ? `line ${where[1]}: ${last}` : last;
}

function showError(box, message) {
  const p = $(".pg-error", box);
  p.textContent = message || "";
  p.hidden = !message;
}

// ---- 1. explain -----------------------------------------------------------------------------
function explain() {
  const expression = form.elements.expression.value, at = form.elements.at.value;
  const r = JSON.parse(explainFn(expression, at));
  const grads = $(".pg-grads"), slot = $(".pg-explorer-slot"), table = $(".pg-table");
  if (!r.ok) {
    showError(explainBox, r.error);
    explainBox.dataset.result = "error";
    return;
  }
  showError(explainBox, r.unused.length ?
            `note: ${r.unused.join(", ")} ${r.unused.length > 1 ? "are" : "is"} not in the ` +
            "expression, unused" : "");
  explainBox.dataset.result = "ok";
  grads.replaceChildren(...Object.keys(r.grads).map(name => {
    const span = document.createElement("span");
    span.dataset.name = name;
    span.dataset.grad = String(r.grads[name]);
    span.textContent = `∂${r.outName}/∂${name} = ${r.gradsText[name]}`;
    return span;
  }));
  table.textContent = r.table;
  const mount = document.createElement("div");
  slot.replaceChildren(mount);
  if (!r.explorer || !viz || viz.error) {
    const note = document.createElement("p");
    note.className = "pg-hint";
    note.textContent = r.note || (viz && viz.error) || "graph layout still loading";
    slot.replaceChildren(note);
    $(".pg-table-box").open = true;
    return;
  }
  window.chainruleExplorer.mount(mount, r.explorer, {
    dot: r.dot, keys: mount,
    layout: dot => viz.renderString(dot, {format: "svg", engine: "dot"}),
  }).catch(err => { showError(explainBox, "graph layout failed: " + oneLine(err)); });
}

form.addEventListener("submit", ev => {
  ev.preventDefault();
  if (root.dataset.ready === "true") explain();
});

// ---- 2. two moons ---------------------------------------------------------------------------
let demo = null, points = null, history = [], running = false;

function newDemo() {
  if (demo) demo.destroy();
  demo = MoonsDemo();
  points = JSON.parse(demo.points_json());
  history = [];
  Object.assign(moonsBox.dataset, {step: "0", loss: "", firstLoss: ""});
  drawLoss();
  drawBoundary();
}

function moonsStatus(text) { $(".pg-moons-status").textContent = text; }

async function train() {
  if (running) return;
  if (!demo) newDemo();
  running = true;
  moonsBox.dataset.running = "true";
  button("train").disabled = button("reset").disabled = true;
  button("stop").disabled = false;
  const more = Math.max(1, Math.min(2000, Math.round(Number($('input[name="steps"]').value))
                                    || 100));
  const target = history.length + more;
  try {
    while (running && history.length < target) {
      const r = JSON.parse(demo.step_json());
      history.push(r);
      Object.assign(moonsBox.dataset, {step: String(r.step), loss: String(r.loss)});
      if (r.step === 1) moonsBox.dataset.firstLoss = String(r.loss);
      moonsStatus(`step ${r.step}: loss ${r.loss.toFixed(4)}, accuracy ` +
                  `${(100 * r.accuracy).toFixed(0)}%`);
      drawLoss();
      if (r.step % 3 === 0) drawBoundary();
      await nextFrame();          // the page draws and takes clicks (Stop) between steps
    }
  } catch (err) {
    moonsStatus("training failed: " + oneLine(err));
  }
  drawBoundary();
  if (!running) moonsStatus(`stopped at step ${history.length}: ` + $(".pg-moons-status")
    .textContent.replace(/^[^:]*: /, ""));
  running = false;
  moonsBox.dataset.running = "false";
  button("train").disabled = button("reset").disabled = false;
  button("stop").disabled = true;
}

// a frame, then a task: rendering and input (Chrome aligns them with frames) get their turn;
// a bare setTimeout loop can keep a click waiting behind many steps
function nextFrame() {
  return new Promise(resolve => setTimeout(resolve, 20));
}

function drawLoss() {
  const canvas = $(".pg-loss"), c = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, L = 46, R = 10, T = 12, B = 28;
  c.clearRect(0, 0, W, H);
  c.font = "11px system-ui, sans-serif";
  c.strokeStyle = "#999"; c.fillStyle = "#333";
  c.beginPath(); c.moveTo(L, T); c.lineTo(L, H - B); c.lineTo(W - R, H - B); c.stroke();
  if (!history.length) { c.fillText("press Train", L + 10, T + 20); return; }
  const top = Math.max(...history.map(h => h.loss)) * 1.05, n = Math.max(history.length, 10);
  const x = k => L + (W - L - R) * (k - 1) / Math.max(1, n - 1);
  const y = v => H - B - (H - T - B) * v / top;
  c.textAlign = "right";
  [0, top / 2, top].forEach(v => c.fillText(v.toFixed(2), L - 4, y(v) + 4));
  c.textAlign = "center";
  [1, Math.round(n / 2), n].forEach(k => c.fillText(String(k), x(k), H - B + 14));
  c.fillText("step", (L + W) / 2, H - 3);
  c.strokeStyle = "#1d4ed8"; c.lineWidth = 2;
  c.beginPath();
  history.forEach((h, i) => (i ? c.lineTo : c.moveTo).call(c, x(h.step), y(h.loss)));
  c.stroke(); c.lineWidth = 1;
}

function drawBoundary() {
  const canvas = $(".pg-boundary"), c = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  if (!demo) { c.clearRect(0, 0, W, H); return; }
  const g = JSON.parse(demo.boundary_json(40)), [x0, x1, y0, y1] = g.bounds, n = g.size;
  const cw = W / n, ch = H / n;
  g.scores.forEach((s, i) => {
    const a = Math.min(1, Math.abs(s)) * 0.35 + 0.12;  // surer: stronger
    c.fillStyle = s > 0 ? `rgba(234, 120, 20, ${a})` : `rgba(40, 90, 200, ${a})`;
    c.fillRect((i % n) * cw, Math.floor(i / n) * ch, cw + 0.5, ch + 0.5);
  });
  points.X.forEach(([px, py], i) => {
    const cx = (px - x0) / (x1 - x0) * W, cy = (y1 - py) / (y1 - y0) * H, plus = points.y[i] > 0;
    c.beginPath(); c.arc(cx, cy, 3.6, 0, 2 * Math.PI);
    c.fillStyle = plus ? "#ffffff" : "#0b1f4d";
    c.fill(); c.lineWidth = 1.5; c.strokeStyle = plus ? "#8a3400" : "#ffffff"; c.stroke();
  });
  c.lineWidth = 1;
}

button("train").addEventListener("click", () => train());
button("stop").addEventListener("click", () => { running = false; });
button("reset").addEventListener("click", () => {
  newDemo();
  moonsStatus("a new network: not trained yet");
});

// ---- 3. free Python -------------------------------------------------------------------------
async function execCode() {
  const code = $('textarea[name="code"]').value, out = [], output = $(".pg-output");
  button("exec").disabled = true;
  showError(editorBox, "");
  py.setStdout({batched: line => out.push(line)});
  py.setStderr({batched: line => out.push(line)});
  try {
    const shown = await runCell(code, namespace);
    if (typeof shown === "string") out.push(shown);
    editorBox.dataset.result = "ok";
  } catch (err) {
    showError(editorBox, oneLine(err));
    editorBox.dataset.result = "error";
  } finally {
    py.setStdout({}); py.setStderr({});
    output.textContent = out.join("\n");
    button("exec").disabled = false;
  }
}

button("exec").addEventListener("click", () => execCode());
$('textarea[name="code"]').addEventListener("keydown", ev => {
  if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
    ev.preventDefault();
    if (root.dataset.ready === "true") execCode();
  }
});

load().catch(err => {
  console.error(err);
  root.dataset.phase = "failed";
  stage(0, "Could not start the playground: " + oneLine(err) +
        " (Pyodide from " + config.pyodideUrl + ")");
});
