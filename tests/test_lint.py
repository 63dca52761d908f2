"""The contributor's checks: ruff is clean with pyproject.toml's rules, the version is written
in one place."""

import importlib.metadata
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import autograd

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or shutil.which("ruff", path=os.path.dirname(sys.executable))
    if ruff is None:
        if os.environ.get("CI"):
            pytest.fail("ruff is missing under CI (it comes with the dev extra)")
        pytest.skip("ruff is not installed (pip install -e '.[lint]')")
    done = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_version_is_written_once():
    tomllib = pytest.importorskip("tomllib")            # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    try:
        installed = importlib.metadata.version("chainrule")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("chainrule is not installed (pip install -e .)")
    assert installed == autograd.__version__
