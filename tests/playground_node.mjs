// The playground's Python calls under Pyodide in Node, no browser: tells a broken engine from a
// broken page. Run by tests/test_playground_node.py:
//   node tests/playground_node.mjs PYODIDE_DIR WHEEL
// Prints one JSON object: what each call returned.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [pyodideDir, wheelPath] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: pyodideDir + path.sep });
// as the page does: the wheel unpacked into site-packages, no micropip
const site = py.runPython("import sysconfig; sysconfig.get_path('purelib')");
py.unpackArchive(new Uint8Array(readFileSync(wheelPath)), "zip", { extractDir: site });
py.runPython("import autograd, nn\n" +
             "from autograd.playground import explain_expression\n" +
             "from nn.apps.moons_demo import MoonsDemo");
const explain = py.globals.get("explain_expression");
const good = JSON.parse(explain("tanh(w*x + b)", "x=0.5 w=-1.2 b=0.3"));
const hostile = JSON.parse(explain("__import__('os')", ""));
const demo = py.globals.get("MoonsDemo")();
const losses = [];
for (let k = 0; k < 20; k++) losses.push(JSON.parse(demo.step_json()).loss);
const boundary = JSON.parse(demo.boundary_json(8));
console.log(JSON.stringify({
  python: py.runPython("import sys; sys.version.split()[0]"),
  version: py.runPython("import importlib.metadata as m; m.version('chainrule')"),
  site,
  where: py.runPython("autograd.__file__"),
  good: { ok: good.ok, grads: good.grads, gradsText: good.gradsText, table: good.table,
          dot: good.dot, steps: good.explorer.steps.length },
  hostile,
  losses,
  boundary,
}));
