"""mutants(): each swaps one wrong rule in, changes what it says, and restores everything;
``python -m autograd.testing.mutate`` grades a suite with them."""

import json
import math
import subprocess
import sys
import textwrap

import pytest

from autograd import OPS, Tensor, Value
from autograd.forward import derivative
from autograd.testing import Mutant, check_rule, mutant, mutants
from autograd.testing.mutate import pytest_args

ALL = mutants()


def test_the_mutants_cover_every_op_and_the_named_bugs():
    names = {m.name for m in ALL}
    assert {"relu-at-0", "leaf-assign", "matmul.0.sign", "matmul.1.sign",
            "matmul.1.entry"} <= names
    for op in OPS.values():
        for x in op.inputs():
            assert f"{op.name}.{x}.sign" in names
    assert len(names) == len(ALL)                               # names are unique
    assert {m.kind for m in ALL} == {"sign", "dropped", "other", "point", "relu-at-0",
                                     "leaf-assign", "tensor"}
    assert [m.name for m in mutants(kinds=["dropped"], ops=["mul"])] == ["mul.a.dropped",
                                                                        "mul.b.dropped"]
    with pytest.raises(ValueError, match="unknown kinds"):
        mutants(kinds=["typo"])
    with pytest.raises(KeyError, match="no mutant named"):
        mutant("mul.c.sign")


@pytest.mark.parametrize("m", ALL, ids=lambda m: m.name)
def test_each_mutant_restores_exactly_what_it_swapped(m):
    before = {name: (op.local, op.partials, op.derivs) for name, op in OPS.items()}
    backward = (Value.backward, Tensor.backward)
    from autograd.tensor_ops import MatMul
    matmul = MatMul.backward
    with m:
        with pytest.raises(RuntimeError, match="already active"):
            m.__enter__()
    assert {name: (op.local, op.partials, op.derivs) for name, op in OPS.items()} == before
    assert (Value.backward, Tensor.backward, MatMul.backward) == backward + (matmul,)


RULES = [m for m in ALL if m.kind in ("sign", "dropped", "other")]


@pytest.mark.parametrize("m", RULES, ids=lambda m: m.name)
def test_a_rule_mutant_is_wrong_at_an_ordinary_point_and_says_so_in_the_table(m):
    op = OPS[m.op]
    points = [(0.7, 1.3), (1.3, 0.7)] if op.arity == 2 else [(0.7, 3 if op.name == "powc"
                                                                 else None)]
    assert all(check_rule(op, a, b) == [] for a, b in points)
    with m:
        assert op.derivs[m.input] == m.formula
        found = [f for a, b in points for f in check_rule(op, a, b)]
    assert found                              # max's ∂/∂a is 0 at (0.7, 1.3): -0 is 0 there
    assert {(f.op, f.input, f.formula) for f in found} == {(m.op, m.input, m.formula)}


@pytest.mark.parametrize("m", [m for m in ALL if m.kind == "point"], ids=lambda m: m.name)
def test_a_point_mutant_is_off_only_at_its_point(m):
    op = OPS[m.op]
    p = float(m.formula.rsplit("= ", 1)[1].rstrip(")"))
    other = 1.5 if op.arity == 2 else (2 if op.name == "powc" else None)
    at = [p, other] if m.input == 0 else [other, p]
    away = list(at)
    away[m.input] = p + 0.25
    right_at, right_away = op.partial(m.input, op.forward(*at), *at), op.partial(
        m.input, op.forward(*away), *away)
    with m:
        assert op.partial(m.input, op.forward(*at), *at) == right_at + 1.0
        assert op.partial(m.input, op.forward(*away), *away) == right_away


def test_relu_at_0_and_leaf_assign_change_what_backward_gives():
    def relu_grad_at_0():
        x = Value(0.0)
        x.relu().backward()
        return x.grad

    def twice():
        x = Value(1.5)
        y = x * x
        y.backward()
        y.backward()
        t = Tensor([1.5], requires_grad=True)
        u = (t * t).sum()
        u.backward()
        u.backward()
        return x.grad, t.grad.data[0]

    assert relu_grad_at_0() == 0.0 and twice() == (6.0, 6.0)
    with mutant("relu-at-0"):
        assert relu_grad_at_0() == 1.0
    with mutant("leaf-assign"):
        assert twice() == (3.0, 3.0)
    assert relu_grad_at_0() == 0.0 and twice() == (6.0, 6.0)


def test_rule_mutants_reach_duals_and_tensor_ops_that_read_the_table():
    t = Tensor([0.3, -0.4], requires_grad=True)
    t.sigmoid().sum().backward()
    right = list(t.grad.data)
    with mutant("sigmoid.a.dropped"):
        sigma = 1 / (1 + math.exp(-0.3))
        assert derivative(lambda x: x.sigmoid(), 0.3) == pytest.approx(sigma, rel=1e-15)
        t.grad = None
        t.sigmoid().sum().backward()
        assert t.grad.data != right
    A, B = Tensor([[1.0, 2.0]], requires_grad=True), Tensor([[3.0], [4.0]], requires_grad=True)
    with mutant("matmul.1.entry"):
        (A @ B).sum().backward()
    assert B.grad.data == [0.0, 2.0] and A.grad.data == [3.0, 4.0]


def test_pytest_args_accepts_pytest_and_python_dash_m_pytest_only():
    assert pytest_args(["pytest", "-x", "tests"]) == ["-x", "tests"]
    assert pytest_args([sys.executable, "-m", "pytest", "tests"]) == ["tests"]
    with pytest.raises(SystemExit, match="give the suite after '--'"):
        pytest_args(["make", "test"])


def run_mutate(*args, cwd):
    return subprocess.run([sys.executable, "-m", "autograd.testing.mutate", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def test_mutate_reports_survivors_and_which_test_killed_which_mutant(tmp_path):
    (tmp_path / "test_mul.py").write_text(textwrap.dedent("""
        from autograd import Value

        def test_mul_gradient_at_an_ordinary_point():
            x, y = Value(0.7), Value(1.3)
            (x * y).backward()
            assert (x.grad, y.grad) == (1.3, 0.7)
        """))
    out = run_mutate("--ops", "mul", "--kinds", "sign", "point", "--json", "r.json", "--",
                     "pytest", "-x", "-q", "test_mul.py", cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "killed   mul.a.sign               test_mul.py::test_mul_gradient_at_an_ordinary_po" \
           "int" in out.stdout
    assert "4 mutants: 2 killed, 2 survived, 0 errors" in out.stdout
    assert "SURVIVED mul.a.point: ∂(a * b)/∂a = b (+1 at a = 0) instead of b" in out.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert {r["mutant"]: r["status"] for r in report["results"]} == {
        "mul.a.sign": "killed", "mul.b.sign": "killed", "mul.a.point": "survived",
        "mul.b.point": "survived"}


def test_mutate_spawn_mode_gives_the_same_verdicts(tmp_path):
    (tmp_path / "test_relu.py").write_text(textwrap.dedent("""
        from autograd import Value

        def test_relu_gradient_at_0_is_0():
            x = Value(0.0)
            x.relu().backward()
            assert x.grad == 0.0
        """))
    out = run_mutate("--start", "spawn", "--jobs", "2", "--ops", "relu", "--", "pytest", "-q",
                     "test_relu.py", cwd=tmp_path)
    assert "2 mutants: 1 killed, 1 survived, 0 errors" in out.stdout, out.stdout + out.stderr
    assert "killed   relu-at-0                test_relu.py::test_relu_gradient_at_0_is_0" \
        in out.stdout
    assert "SURVIVED relu.a.sign" in out.stdout


def test_mutate_refuses_a_suite_that_fails_without_mutants(tmp_path):
    (tmp_path / "test_bad.py").write_text("def test_fails():\n    assert False\n")
    out = run_mutate("--ops", "mul", "--", "pytest", "-q", "test_bad.py", cwd=tmp_path)
    assert out.returncode == 2 and "does not pass without mutants" in out.stderr
    listed = run_mutate("--list", "--ops", "relu", cwd=tmp_path)
    assert listed.returncode == 0 and "relu-at-0" in listed.stdout


def test_mutant_is_a_context_manager_class():
    assert isinstance(ALL[0], Mutant) and "instead of" in ALL[0].description


def test_a_bare_string_is_one_name_and_unknown_or_empty_selections_are_refused():
    assert [m.name for m in mutants(ops="relu")] == ["relu.a.sign", "relu-at-0"]
    assert [m.name for m in mutants(kinds="sign", ops="mul")] == ["mul.a.sign", "mul.b.sign"]
    assert [m.name for m in mutants(kinds="tensor", ops="matmul")] == [
        "matmul.0.sign", "matmul.1.sign", "matmul.1.entry"]
    with pytest.raises(ValueError, match=r"unknown ops \['mull'\]; choose from \['add', .*"
                                         r"'mul', .*'matmul'\]"):
        mutants(ops=["mull"])
    with pytest.raises(ValueError, match=r"unknown kinds \['sgn'\]"):
        mutants(kinds="sgn")
    with pytest.raises(ValueError, match=r"no mutant matches kinds \['dropped'\] and ops "
                                         r"\['relu'\]"):
        mutants(kinds="dropped", ops="relu")
    with pytest.raises(ValueError, match="no mutant matches"):
        mutants(ops=[])
    with pytest.raises(TypeError, match="ops must be names"):
        mutants(ops=[OPS["mul"]])


def test_two_mutants_of_one_op_do_not_stack_and_descriptions_come_from_the_right_rule():
    mul, tanh = OPS["mul"], OPS["tanh"]
    right, tanh_derivs = (mul.local, mul.partials, mul.derivs), tanh.derivs
    a, b = mutant("mul.a.sign"), mutant("mul.b.sign")
    with a:
        with pytest.raises(RuntimeError, match="mutant mul.b.sign: mutant mul.a.sign is "
                                               "already active on mul; exit it"):
            b.__enter__()
        assert mutant("mul.b.sign").description == "∂(a * b)/∂b = -(a) instead of a"
        assert mutant("mul.a.point").formula == "b (+1 at a = 0)"
        assert mutant("mul.a.other").description == "∂(a * b)/∂a = a instead of b"
        with mutant("tanh.a.sign"), mutant("leaf-assign"), mutant("matmul.0.sign"):
            assert mul.derivs == ("-(b)", "a") and tanh.derivs == (f"-({tanh_derivs[0]})",)
        assert tanh.derivs == tanh_derivs                # different ops nest and unwind
    assert (mul.local, mul.partials, mul.derivs) == right
    with b:                                     # b was refused, not half-entered: usable now
        assert mul.derivs == ("b", "-(a)")
    assert (mul.local, mul.partials, mul.derivs) == right
    with pytest.raises(RuntimeError, match="not active"):
        b.__exit__(None, None, None)


@pytest.mark.parametrize("name", ["mul.a.sign", "relu-at-0", "leaf-assign", "matmul.1.entry"])
def test_a_mutant_restores_the_table_when_the_body_raises(name):
    from autograd.tensor_ops import MatMul
    before = ({n: (op.local, op.partials, op.derivs) for n, op in OPS.items()},
              Value.backward, Tensor.backward, MatMul.backward)
    m = mutant(name)
    with pytest.raises(ZeroDivisionError, match="in the body"):
        with m:
            raise ZeroDivisionError("in the body")
    assert ({n: (op.local, op.partials, op.derivs) for n, op in OPS.items()},
            Value.backward, Tensor.backward, MatMul.backward) == before
    with m:                                     # and it can be entered again
        pass
