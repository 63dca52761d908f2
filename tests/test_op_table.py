"""The op table is the only list of ops: one entry reaches Value, Tensor, Dual and the complex
step through one installer; rules written once run on every kind of number."""

import math
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import autograd
from autograd import OPS, Dual, OperandError, Tensor, Value, ops, register_op, unregister_op
from autograd.forward import derivative
from autograd.ops import OpDefinitionError
from autograd.testing import ComplexValue, gradcheck


@pytest.fixture
def registered():
    made = []

    def register(op, *args, **kwargs):
        register_op(op, *args, **kwargs)
        made.append(op)
        return op

    yield register
    for op in made:
        unregister_op(op)


def test_a_binary_op_added_in_one_call_works_on_every_kind_of_number(registered):
    # f(a, b) = a·b + a: ∂f/∂a = b + 1, ∂f/∂b = a
    mad = registered(ops.op("mad", arity=2, expr="a·b + a", derivs=("b + 1", "a"),
                            forward=lambda a, b: a * b + a,
                            local=lambda out, a, b: (b + 1.0, a)))
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    out = x.mad(y)
    out.backward()
    assert (out.data, x.grad, y.grad) == (8.0, 4.0, 2.0)
    t = Tensor([1.0, 2.0], requires_grad=True).mad(Tensor([3.0, 4.0]))
    t.sum().backward()
    assert t.data == [4.0, 10.0]
    d = Dual(2.0, 1.0).mad(Dual(3.0, 0.0))
    assert (d.value, d.tangent) == (8.0, 4.0)
    assert ComplexValue(2.0).mad(3.0).z == 8.0
    result = gradcheck(lambda a, b: a.mad(b).tanh(), [Value(0.3), Value(-0.7)], method="complex")
    assert result and not result.notes            # the complex step ran, no fallback
    assert OPS["mad"] is mad


def test_a_registered_rule_gives_second_derivatives(registered):
    cube = registered(ops.op("cube_ho", arity=1, expr="a³", derivs=("3·a²",),
                             forward=lambda a, k: a ** 3, local=lambda out, a, k: (3 * a * a,)))
    assert autograd.grad(autograd.grad(lambda x: x.cube_ho()))(2.0) == 12.0
    assert derivative(lambda x: derivative(lambda y: y.cube_ho(), x), 2.0) == 12.0
    assert cube.name in OPS


def test_unregister_takes_the_op_off_every_kind(registered):
    op = ops.op("gone", arity=1, expr="2a", derivs=("2",), forward=lambda a, k: 2 * a,
                local=lambda out, a, k: (2.0,))
    register_op(op)
    assert all(hasattr(cls, "gone") for cls in (Value, Tensor, Dual, ComplexValue))
    unregister_op(op)
    assert not any(hasattr(cls, "gone") for cls in (Value, Tensor, Dual, ComplexValue))
    assert "gone" not in OPS


def test_register_refuses_to_clobber_what_is_not_an_op_method():
    op = ops.op("backward", arity=1, expr="a", derivs=("1",), forward=lambda a, k: a,
                local=lambda out, a, k: (1.0,))
    try:
        with pytest.raises(OperandError, match="already has 'backward'"):
            register_op(op)
        with pytest.raises(OperandError, match="not an op method"):
            register_op(op, replace=True)
    finally:
        OPS.pop("backward", None)


@pytest.mark.parametrize("kwargs, words", [
    (dict(arity=3), "arity must be 1 or 2"),
    (dict(derivs=("1", "2")), "derivs= needs 1 formula"),
    (dict(expr=""), "expr="),
    (dict(local=None), "exactly one of local="),
    (dict(forward=3), "forward must be a function"),
])
def test_op_definitions_that_cannot_work_are_refused(kwargs, words):
    spec = dict(arity=1, expr="a", derivs=("1",), forward=lambda a, k: a,
                local=lambda out, a, k: (1.0,))
    spec.update(kwargs)
    with pytest.raises((OpDefinitionError, OperandError), match=words):
        ops.op("bad_op", **spec)
    assert "bad_op" not in OPS


def test_an_op_appended_at_the_end_of_ops_py_becomes_a_method_everywhere(tmp_path):
    pkg = tmp_path / "autograd"
    shutil.copytree(os.path.dirname(autograd.__file__), pkg,
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(pkg / "ops.py", "a", encoding="utf-8") as f:
        f.write(textwrap.dedent('''
            TWICE = op("twice", 1, "2·a", ("2",), forward=lambda a, k: 2.0 * a,
                       local=lambda out, a, k: (2.0,))
        '''))
    code = ("from autograd import Value, Tensor, Dual\n"
            "from autograd.testing import ComplexValue\n"
            "x = Value(1.5); y = x.twice(); y.backward()\n"
            "print(y.data, x.grad, Tensor([1.0]).twice().data, Dual(1.0, 1.0).twice().tangent,"
            " ComplexValue(1.0).twice().z.real)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(tmp_path)), cwd=tmp_path, check=True)
    assert out.stdout.split() == ["3.0", "2.0", "[2.0]", "2.0", "2.0"]


def test_an_op_formats_as_its_symbol_where_a_string_is_expected():
    assert str(ops.MUL) == "*" and f"{ops.TANH}" == "tanh"
    assert "id" + ops.MUL == "id*" and ops.ADD + "!" == "+!"
    x = Value(2.0)
    assert (x * 3)._op == "*" and x._op == "" and (x * 3).op is ops.MUL


@pytest.mark.parametrize("name", sorted(n for n, o in OPS.items() if o.arity == 1))
def test_every_unary_rule_runs_on_floats_values_and_duals_alike(name):
    op = OPS[name]
    a, k = 0.8, (2.0 if name == "powc" else None)
    out = op.forward(a, k)
    floats = op.local(out, a, k)
    v = Value(a)
    values = op.local(ops.call(op, v, k), v, k)
    assert [d if isinstance(d, float) else d.data for d in values] == list(floats)
    dual = Dual(a, 1.0)
    duals = op.local(ops.call(op, dual, k), dual, k)
    assert [ops.primal(d) for d in duals] == list(floats)


def test_nan_is_never_hidden():
    nan = math.nan
    assert math.isnan(Value(nan).relu().data)
    assert math.isnan(Value(nan).max(Value(1.0)).data)
    assert math.isnan(Value(1.0).max(Value(nan)).data)
    assert math.isnan(Value(nan).min(Value(1.0)).data)
    assert math.isnan(Value(1.0).min(Value(nan)).data)
    assert all(map(math.isnan, Tensor([nan, -1.0]).relu().data[:1]))
    assert math.isnan(Tensor([nan]).maximum(Tensor([1.0])).data[0])


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_sin_and_cos_of_infinity_name_the_op(name):
    with pytest.raises(autograd.DomainError, match=f"{name}\\(\\) needs a finite input, got inf"):
        getattr(Value(math.inf, label="x"), name)()
