"""The teaching notebooks run, top to bottom, in a fresh kernel; git holds them without outputs.

Each notebook asserts the numbers it teaches, so executing it is a real test. The kernel is
this interpreter (``sys.executable``), whatever a ``python3`` kernelspec elsewhere on the
machine points to: a kernelspec written to a temporary folder names it explicitly, and the
kernel gets the repository root on ``PYTHONPATH`` (so an uninstalled checkout works too).
A notebook may list modules it needs in its metadata (``"chainrule": {"requires": [...]}``);
it is skipped, with the reason, only while such a module is missing from the checkout.
"""

import copy
import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300        # seconds per cell: generous for a slow CI machine, finite if one hangs
KERNEL = "chainrule-test-python"


def _clear_script():
    spec = importlib.util.spec_from_file_location("clear_notebooks",
                                                  ROOT / "scripts" / "clear_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """``(KernelSpecManager, env)`` for a kernel running ``sys.executable``."""
    pytest.importorskip("ipykernel", reason="notebook tests need the 'notebooks' extra")
    pytest.importorskip("nbclient", reason="notebook tests need the 'notebooks' extra")
    from jupyter_client.kernelspec import KernelSpecManager

    spec_dir = tmp_path_factory.mktemp("kernels") / KERNEL
    spec_dir.mkdir()
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"chainrule tests ({sys.executable})",
        "language": "python",
    }))
    ksm = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("MPLBACKEND", None)           # the kernel's own inline backend draws the figures
    # hypothesis (notebook 6) keeps a cache in ./.hypothesis: not in the source tree
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(tmp_path_factory.mktemp("hypothesis"))
    return ksm, env


def execute(nb, kernel):
    """Run ``nb`` (in place) in a fresh kernel with cwd = notebooks/."""
    from jupyter_client import KernelManager
    from nbclient import NotebookClient

    ksm, env = kernel
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=ksm)
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute(env=env)
    return nb


def test_kernel_is_this_interpreter(kernel):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, autograd\nprint(sys.executable)\nprint(autograd.__file__)")])
    out = execute(nb, kernel).cells[0].outputs[0]["text"].split("\n")
    assert os.path.realpath(out[0]) == os.path.realpath(sys.executable)
    assert Path(out[1]).resolve().is_relative_to(ROOT)


def test_there_are_seven_notebooks():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_", "06_", "07_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, kernel):
    nbformat = pytest.importorskip("nbformat")
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    for module in nb.metadata.get("chainrule", {}).get("requires", []):
        if importlib.util.find_spec(module) is None:        # a part that has not landed yet
            pytest.skip(f"{path.name} needs {module}, which this checkout does not have")
    try:
        EXECUTED[path.name] = execute(nb, kernel)
    except CellExecutionError as error:      # its message holds the cell's source and traceback
        pytest.fail(f"{path.name}: a cell failed\n{error}", pytrace=False)


EXECUTED = {}          # notebook name -> the notebook as test_notebook_runs executed it


def executed(name):
    """The outputs of a notebook run by :func:`test_notebook_runs` (same session)."""
    if name not in EXECUTED:
        pytest.skip(f"{name} did not run in this session (see test_notebook_runs)")
    return EXECUTED[name]


@pytest.mark.needs_dot
def test_notebook_3_draws_the_network_again_after_backward_with_its_gradients():
    # it drew the graph only before backward(), without gradients
    nb = executed("03_backpropagation_small_network.ipynb")
    svgs = [(i, o["data"]["image/svg+xml"]) for i, c in enumerate(nb.cells)
            for o in c.get("outputs", []) if "image/svg+xml" in o.get("data", {})]
    backward = next(i for i, c in enumerate(nb.cells) if "L.backward()" in c.source)
    assert [i for i, _ in svgs if i < backward] and "grad" not in svgs[0][1]
    after = [svg for i, svg in svgs if i > backward]
    assert after and "grad 0.6502" in after[0] and "grad 0.5558" in after[0]   # w5, h1


def test_a_draw_cell_without_dot_shows_one_line_and_the_notebook_goes_on(kernel, tmp_path):
    # Notebooks 2 and 3 stopped at their first draw() cell with graphviz's raw
    # ExecutableNotFound when the dot program was missing.
    pytest.importorskip("graphviz")
    nbformat = pytest.importorskip("nbformat")
    ksm, env = kernel
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from autograd import Value\nfrom autograd.draw import draw\n"
                                  "x = Value(2.0, label='x')\ndraw(x * x)"),
        nbformat.v4.new_code_cell("print('still running')")])
    execute(nb, (ksm, {**env, "PATH": str(tmp_path)}))      # a PATH without dot
    shown = nb.cells[0].outputs
    assert [o["output_type"] for o in shown] == ["execute_result"]
    assert list(shown[0]["data"]) == ["text/plain"]
    line = shown[0]["data"]["text/plain"]
    assert line.startswith("(no picture) the Graphviz 'dot' program was not found")
    assert "\n" not in line.strip("'\"") and "apt-get install graphviz" in line
    assert nb.cells[1].outputs[0]["text"] == "still running\n"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    script = _clear_script()
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    assert script.dirty_cells(nb) == [], (
        f"{path.name} has outputs; run: python scripts/clear_notebooks.py {path.name}")
    assert text == script.dumps(nb), f"{path.name} is not in Jupyter's JSON layout"


def test_clear_script_removes_outputs_and_check_flags_them(tmp_path):
    script = _clear_script()
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    dirty = copy.deepcopy(nb)
    code = [c for c in dirty["cells"] if c["cell_type"] == "code"]
    code[0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
    code[0]["execution_count"] = 3
    code[1]["metadata"]["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    path = tmp_path / "dirty.ipynb"
    path.write_text(json.dumps(dirty), encoding="utf-8")
    assert script.dirty_cells(dirty) == [dirty["cells"].index(code[0]),
                                         dirty["cells"].index(code[1])]
    assert script.main(["--check", str(path)]) == 1
    assert script.main([str(path)]) == 0
    assert script.main(["--check", str(path)]) == 0
    assert json.loads(path.read_text(encoding="utf-8")) == nb
    assert [p.name for p in tmp_path.iterdir()] == ["dirty.ipynb"]      # no temporary left
