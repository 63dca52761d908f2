"""The layout rules of docs/ARCHITECTURE.md, checked: one job per module (no module over 500
lines), no import cycle (lazy imports included), no ``_private`` name imported from another
module, and the library (autograd) never imports the application or nn."""

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")
MAX_LINES = 500


def modules():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def imports(name, path):
    """(module imported, names imported) for every import in the file, lazy ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                up = up[:len(up) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            yield base, tuple(a.name for a in node.names)


MODULES = dict(modules())


def resolve(target, names):
    """The project modules an import statement loads."""
    out = set()
    if target in MODULES:
        out.add(target)
    for n in names:
        if f"{target}.{n}" in MODULES:
            out.add(f"{target}.{n}")
    return out


GRAPH = {name: set().union(*[resolve(t, ns) for t, ns in imports(name, path)] or [set()]) - {name}
         for name, path in MODULES.items()}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_the_size_of_one_job(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


def test_no_import_cycles_lazy_imports_included():
    # a package's __init__ importing its own submodules is its job, not a cycle
    def edges(name):
        return {m for m in GRAPH[name] if not (m.startswith(name + ".") and
                                                MODULES[name].name == "__init__.py")}
    state, cycles = {}, []

    def visit(n, stack):
        state[n] = "open"
        for m in sorted(edges(n)):
            if state.get(m) == "open":
                cycles.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m, stack + [m])
        state[n] = "done"

    for n in sorted(MODULES):
        if n not in state:
            visit(n, [n])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_private_names_imported_from_another_module():
    bad = []
    for name, path in MODULES.items():
        for target, names in imports(name, path):
            if target.split(".")[0] in PACKAGES:
                bad += [f"{name}: from {target} import {n}" for n in names
                        if n.startswith("_") and not n.startswith("__")]
    assert not bad, "\n".join(bad)


def test_autograd_never_imports_nn():
    bad = [f"{name} imports {m}" for name in MODULES if name.startswith("autograd")
           for m in GRAPH[name] if m.startswith("nn")]
    assert not bad, "\n".join(bad)


def test_every_error_class_is_a_chainrule_error_and_keeps_its_builtin():
    from autograd.errors import ChainruleError
    from nn.data.download import DownloadError
    from nn.data.idx import IDXError
    from nn.apps.png import PNGError
    assert issubclass(IDXError, ChainruleError) and issubclass(IDXError, ValueError)
    assert issubclass(PNGError, ChainruleError) and issubclass(PNGError, ValueError)
    assert issubclass(DownloadError, ChainruleError) and issubclass(DownloadError, OSError)
    assert str(DownloadError("no mirror")) == "no mirror"


def test_docs_architecture_lists_every_module_with_its_job():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `((?:autograd|nn)/[\w/]+\.py)` \| .+ \|$", text, re.M))
    actual = {str(p.relative_to(ROOT)) for p in MODULES.values()}
    assert not actual - listed, f"not in docs/ARCHITECTURE.md: {sorted(actual - listed)}"
    assert not listed - actual, f"listed but gone: {sorted(listed - actual)}"


def test_the_nn_library_never_imports_its_application():
    bad = [f"{name} imports {m}" for name in MODULES
           if name.startswith("nn") and not name.startswith("nn.apps")
           for m in GRAPH[name] if m.startswith("nn.apps")]
    assert not bad, "\n".join(bad)


def test_the_core_command_list_names_no_nn_module():
    from autograd.cli import COMMAND_MODULES
    from nn.apps.cli import APP_MODULES
    assert all(m.startswith("autograd.") for m in COMMAND_MODULES)
    assert all(m.startswith("nn.apps.") for m in APP_MODULES)
