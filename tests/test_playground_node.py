"""The playground's Python calls under Pyodide in Node (no browser), against the site's own
wheel: a failure here means the engine broke in WebAssembly, not the page.

Needs node and npm (the pinned pyodide from npm, :mod:`npm_cache`); skipped with the reason
outside CI when they are missing."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import npm_cache
from autograd.playground import explain_expression
from nn.apps.playground_site import build
from nn.apps.moons_demo import MoonsDemo

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).with_name("playground_node.mjs")


@pytest.fixture(scope="module")
def node_run(tmp_path_factory):
    node = shutil.which("node")
    if not node:
        if os.environ.get("CI"):
            pytest.fail("CI runs the Node playground test, but node is missing")
        pytest.skip("the Node playground test needs node (apt-get install nodejs npm)")
    pyodide = npm_cache.pyodide_dir()
    site = tmp_path_factory.mktemp("site")
    wheel = next(p for p in build(site) if p.suffix == ".whl")
    done = subprocess.run([node, str(SCRIPT), str(pyodide), str(wheel)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_the_wheel_installs_into_pyodide_site_packages_without_micropip(node_run):
    assert node_run["python"].startswith("3.")
    assert node_run["version"] == "0.1.0"                 # importlib.metadata reads our wheel
    assert node_run["where"].endswith("site-packages/autograd/__init__.py")


def test_readme_gradients_are_the_same_floats_as_cpython(node_run):
    here = json.loads(explain_expression("tanh(w*x + b)", "x=0.5 w=-1.2 b=0.3"))
    got = node_run["good"]
    assert got["ok"] is True
    assert got["grads"] == {"w": 0.4575684809133146, "x": -1.098164354191955,
                            "b": 0.9151369618266292}
    assert got["grads"] == here["grads"]                  # bit for bit
    assert got["gradsText"] == {"w": "0.457568", "x": "-1.09816", "b": "0.915137"}
    assert got["table"] == here["table"]
    assert got["dot"] == here["dot"]
    assert got["steps"] == len(here["explorer"]["steps"]) == 6


def test_hostile_expression_is_refused_in_one_line(node_run):
    error = node_run["hostile"]
    assert error["ok"] is False
    assert "\n" not in error["error"]
    assert error["error"].startswith("col 1: unknown function '__import__'")


def test_twenty_moons_steps_lower_the_loss_as_in_cpython(node_run):
    losses = node_run["losses"]
    assert len(losses) == 20
    assert losses[-1] < 0.5 * losses[0]
    demo = MoonsDemo()
    here = [demo.step()["loss"] for _ in range(20)]
    # WebAssembly's libm (tanh) may round a last bit differently from CPython's
    assert losses == pytest.approx(here, rel=1e-9)
    grid = demo.boundary(8)
    assert node_run["boundary"]["size"] == 8
    assert node_run["boundary"]["scores"] == pytest.approx(grid["scores"], rel=1e-9, abs=1e-12)
