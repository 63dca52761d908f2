"""Local copies of the playground's two browser packages, installed from npm once per cache.

``npm install --prefix CACHE pyodide@PYODIDE_VERSION @viz-js/viz@VIZ_VERSION`` (the versions
the site pins, :mod:`nn.apps.playground_site`). ``CACHE`` is ``$CHAINRULE_NPM_CACHE`` (CI
points it at a folder of its own beside its venv) or ``~/.cache/chainrule-npm``. A cache that
already holds those versions is used as it is, without asking npm anything.

Outside CI, a missing ``npm`` (or a failed install: no network) skips the test with the reason;
under CI (``CI`` set) it fails, since ``.ci/run`` installs npm.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from nn.apps.playground_site import PYODIDE_VERSION, VIZ_VERSION

PACKAGES = {"pyodide": PYODIDE_VERSION, "@viz-js/viz": VIZ_VERSION}


def cache_dir():
    return Path(os.environ.get("CHAINRULE_NPM_CACHE")
                or Path.home() / ".cache" / "chainrule-npm")


def _installed(modules):
    for name, version in PACKAGES.items():
        try:
            meta = json.loads((modules / name / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if meta.get("version") != version:
            return False
    return True


def _missing(reason):
    if os.environ.get("CI"):
        pytest.fail(f"CI runs the playground tests, but {reason}")
    pytest.skip(f"the playground tests need {reason}; CI installs it and runs them")


def node_modules():
    """The ``node_modules`` folder holding both pinned packages (installing them if needed)."""
    cache = cache_dir()
    modules = cache / "node_modules"
    if _installed(modules):
        return modules
    npm = shutil.which("npm")
    if not npm:
        _missing("npm (apt-get install npm) to install pyodide and @viz-js/viz")
    cache.mkdir(parents=True, exist_ok=True)
    specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
    try:
        done = subprocess.run([npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund",
                               "--no-save", "--loglevel=error", *specs],
                              capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        _missing(f"npm install {' '.join(specs)} to finish within 10 minutes")
    if done.returncode != 0 or not _installed(modules):
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        _missing(f"npm install {' '.join(specs)} into {cache} to succeed: {last}")
    return modules


def pyodide_dir():
    return node_modules() / "pyodide"


def viz_dir():
    return node_modules() / "@viz-js" / "viz"
