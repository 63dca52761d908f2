"""The README's code runs and says what it claims."""

import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_thirty_second_example_prints_the_gradients_it_claims():
    code = python_blocks()[0]
    scope = {}
    exec(compile(code.replace("print(", "_printed = ("), "README", "exec"), scope)
    w, x, b = scope["w"], scope["x"], scope["b"]
    assert (round(w.grad, 6), round(x.grad, 5), round(b.grad, 6)) == (0.457568, -1.09816, 0.915137)


def test_wrong_custom_derivative_example_is_caught():
    from autograd import unregister_op
    from autograd.testing import GradcheckError

    code = next(c for c in python_blocks() if "register_op(cube)" in c)
    scope = {}
    try:
        with pytest.raises(GradcheckError, match="1 of 1 partial derivatives disagree"):
            exec(compile(code, "README", "exec"), scope)       # self-contained: its own imports
    finally:                      # leave the op table and every kind of number as they were
        if "cube" in scope:
            unregister_op(scope["cube"])


def test_blame_example_prints_what_the_readme_shows(capsys):
    from autograd import unregister_op
    from autograd.testing import GradcheckError

    text = README.read_text(encoding="utf-8")
    cube_code = next(c for c in python_blocks() if "register_op(cube)" in c)
    blame_code = next(c for c in python_blocks() if "blame(Value(1.4" in c)
    shown = re.match(r"```\n```\n(.*?)```", text[text.index(blame_code) + len(blame_code):],
                     re.S).group(1)
    error = re.findall(r"```\n(GradcheckError.*?)```", text, re.S)[0]
    scope = {}
    try:
        with pytest.raises(GradcheckError) as info:
            exec(compile(cube_code, "README", "exec"), scope)
        assert f"GradcheckError: {info.value}\n" == error
        capsys.readouterr()
        exec(compile(blame_code, "README", "exec"), scope)
        assert capsys.readouterr().out == shown
    finally:
        if "cube" in scope:
            unregister_op(scope["cube"])


def readme_test_command():
    """The command on the ``pytest`` line of the bash block in "## Set up", without its comment."""
    text = README.read_text(encoding="utf-8")
    setup = re.search(r"^## Set up\n(.*?)^## ", text, re.S | re.M)
    assert setup, "README has no '## Set up' section"
    block = re.search(r"```bash\n(.*?)```", setup.group(1), re.S)
    assert block, "README's '## Set up' has no bash block"
    lines = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()
             if "pytest" in line]
    assert len(lines) == 1, f"expected one pytest line in the Set up block, got {lines}"
    return lines[0]


def test_readme_names_the_test_command_that_ci_runs():
    command = readme_test_command()
    assert command.startswith("python -m pytest")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    ci_commands = [line for line in map(str.strip, ci) if "pytest" in line
                   and not line.startswith("#")]
    assert command in ci_commands, (
        f"README's Set up says CI runs {command!r}; .ci/run runs {ci_commands}")


def test_training_example_reaches_full_accuracy_at_the_step_it_claims(tmp_path, monkeypatch):
    code = next(c for c in python_blocks() if "make_moons" in c and "model.save" in c)
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(code, "README", "exec"), scope)
    assert scope["step"] == 29                       # "100% training accuracy after 29 steps"
    assert scope["sign_accuracy"]([scope["model"](x) for x in scope["X"]], scope["y"]) == 1.0
    assert (tmp_path / "moons.json").exists()


def test_fit_example_reaches_the_loss_it_claims(capsys):
    code = next(c for c in python_blocks() if "ArrayDataset" in c)
    scope = {}
    exec(compile(code, "README", "exec"), scope)
    claimed = re.search(r"# (\S+) \((\S+) after the first epoch\)", code)
    history = scope["result"].history
    assert round(history[-1]["loss"], 4) == float(claimed.group(1))
    assert round(history[0]["loss"], 3) == float(claimed.group(2))


def test_micrograd_lecture_loop_runs_and_reaches_the_loss_it_claims():
    code = next(c for c in python_blocks() if "was: from micrograd.nn import MLP" in c)
    scope = {}
    exec(compile(code.replace("print(", "_printed = ("), "README", "exec"), scope)
    assert round(scope["loss"].data, 3) == 0.025      # "0.025 at the 20th"
    first = compile(code.replace("range(20)", "range(1)").replace("print(", "_printed = ("),
                    "README", "exec")
    scope = {}
    exec(first, scope)
    assert round(scope["loss"].data, 2) == 3.75        # "3.75 at the first step"


def test_tensor_example_runs_and_fills_every_gradient():
    import math

    code = next(c for c in python_blocks() if "SparseRows(" in c)
    scope = {}
    exec(compile(code, "README", "exec"), scope)
    loss = scope["loss"]
    assert abs(loss.item() - math.log(10)) < 0.3     # small random weights: close to log(10)
    for name in ("W1", "b1", "W2", "b2"):
        p = scope[name]
        assert p.grad is not None and p.grad.shape == p.shape
        assert any(p.grad.data)


def sdist_include():
    tomllib = pytest.importorskip("tomllib")
    with open(README.parent / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]


def test_sdist_ships_what_the_tests_read():
    # tests read .ci/run (above), notebooks/ (test_notebooks), examples/ (test_nn_moons) and
    # benchmarks/ (test_tensor_bench); the README shows docs/: an sdist without them cannot
    # run its own test suite (4 tests failed there) nor show what its README names
    assert {"tests", "notebooks", ".ci", "README.md", "scripts", "examples", "benchmarks",
            "docs"} <= set(sdist_include())


def pypi_readme_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("pypi_readme",
                                                  README.parent / "scripts" / "pypi_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_package_index_page_has_no_broken_picture_or_link():
    # the README's relative links (docs/graph.svg, notebooks/...) broke on a package index page
    script = pypi_readme_module()
    text = README.read_text(encoding="utf-8")
    targets = script.relative_targets(text)
    assert "docs/graph.svg" in targets and len(targets) >= 8
    page = script.pypi_readme(text)
    assert script.relative_targets(page) == []
    assert page.startswith("# chainrule\n\n*On this page the pictures and the project's files")
    include = set(sdist_include())
    for target in targets:                    # each named, and shipped where it says
        assert f"`{target}` in the source distribution" in page
        assert (README.parent / target).is_file()
        assert target.split("/")[0] in include
    assert "*(picture: computation graph of tanh(w\\*x + b) — `docs/graph.svg` in the source " \
           "distribution)*" in page
    assert "\n- 1\\. Derivatives and gradient descent (`notebooks/01_" in page
    assert "[micrograd](https://github.com/karpathy/micrograd)" in page      # kept as it is
    home = script.pypi_readme(text, "https://example.org/blob/main", "https://example.org/raw/main")
    assert script.relative_targets(home) == [] and "source distribution" not in home
    assert "![computation graph of tanh(w*x + b)](https://example.org/raw/main/docs/graph.svg)" \
        in home


def test_explain_output_in_the_readme_is_what_the_cli_prints(capsys):
    import shlex

    from autograd.cli import main

    text = README.read_text(encoding="utf-8")
    block = re.search(r"```\n\$ chainrule (explain [^\n]*)\n(.*?)```", text, re.S)
    assert block, "README has no '$ chainrule explain' block"
    assert main(shlex.split(block.group(1))) == 0
    printed = capsys.readouterr().out
    assert block.group(2) == printed
    assert max(map(len, printed.splitlines())) <= 100        # fits a 100-column terminal


def test_derivatives_of_derivatives_example_gives_the_numbers_it_claims():
    import math

    code = next(c for c in python_blocks() if "create_graph=True" in c and "hessian" in c)
    printed = []
    scope = {"print": lambda *args: printed.append(args)}
    exec(compile(code, "README", "exec"), scope)
    d3, closed = printed[0]
    assert math.isclose(d3, closed, rel_tol=1e-14) and f"{d3:.7f}"[:8] == "-0.97015"
    assert printed[1] == ([[1330.0, 480.0], [480.0, 200.0]],)
    assert [round(h, 9) for h in printed[2][0]] == [1330.0, 480.0]       # H·(1, 0): H's column
    t = math.tanh(0.7)
    assert math.isclose(scope["d2y"], -2 * t * (1 - t * t), rel_tol=1e-14)   # -0.76723…
    assert f"{scope['d2y']:.5f}" == "-0.76723" and scope["x"].grad == 0.0
