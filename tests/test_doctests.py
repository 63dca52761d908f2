"""Every ``>>>`` example in the library's docstrings runs and gives what it shows."""

import doctest
import importlib
import os
import pkgutil
import shutil

import pytest

import autograd
import nn

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
NEEDS_DOT = {"autograd.draw", "autograd.render"}    # their examples lay out a graph


def library_modules():
    for pkg in (autograd, nn):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if not info.name.endswith("__main__"):
                yield info.name


MODULES = sorted(library_modules())


def test_the_suite_finds_the_examples():
    assert {"autograd.value", "autograd.functional", "autograd.draw", "nn.train"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    if name in NEEDS_DOT and shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's dot is missing under CI")
        pytest.skip("Graphviz's dot program is not installed")
    if name in NEEDS_DOT:
        pytest.importorskip("graphviz")
    monkeypatch.chdir(tmp_path)                  # an example that writes a file writes it here
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
