"""Unit tests of autograd.Value with exact numbers: operators, errors, anomaly mode, no_grad,
seeds, deep chains, memory (no reference cycles), repr, identity of the package and the CLI."""

import gc
import math
import subprocess
import sys

import pytest

import autograd
from autograd import (AnomalyError, DivisionByZero, DomainError, OperandError, Value,
                      detect_anomaly, no_grad)


def test_gradient_descent_worked_example():
    # f(x, y) = x² + y² from (-5, -5), step 0.5: gradient (-10, -10), then exactly (0, 0)
    x, y = Value(-5.0, label="x"), Value(-5.0, label="y")
    f = x ** 2 + y ** 2
    assert f.data == 50.0
    f.backward()
    assert (x.grad, y.grad) == (-10.0, -10.0)
    with no_grad():
        x.data -= 0.5 * x.grad
        y.data -= 0.5 * y.grad
    assert (x.data, y.data) == (0.0, 0.0)
    x.grad = y.grad = 0.0
    f = x ** 2 + y ** 2
    f.backward()
    assert (f.data, x.grad, y.grad) == (0.0, 0.0, 0.0)


# (expression of x = Value(3.0), expected data, expected ∂/∂x)
OPERATORS = {
    "x + 2": (lambda x: x + 2, 5.0, 1.0),
    "2 + x": (lambda x: 2 + x, 5.0, 1.0),
    "x + 2.5": (lambda x: x + 2.5, 5.5, 1.0),
    "x - 2": (lambda x: x - 2, 1.0, 1.0),
    "2 - x": (lambda x: 2 - x, -1.0, -1.0),
    "x * 2": (lambda x: x * 2, 6.0, 2.0),
    "2.5 * x": (lambda x: 2.5 * x, 7.5, 2.5),
    "x / 2": (lambda x: x / 2, 1.5, 0.5),
    "6 / x": (lambda x: 6 / x, 2.0, -2.0 / 3.0),
    "x ** 2": (lambda x: x ** 2, 9.0, 6.0),
    "x ** 0.5": (lambda x: x ** 0.5, math.sqrt(3.0), 0.5 * 3.0 ** -0.5),
    "x ** -1": (lambda x: x ** -1, 1 / 3, -1 / 9),
    "2 ** x": (lambda x: 2 ** x, 8.0, 8.0 * math.log(2.0)),
    "-x": (lambda x: -x, -3.0, -1.0),
    "abs(-x)": (lambda x: abs(-x), 3.0, 1.0),
    "x + x": (lambda x: x + x, 6.0, 2.0),
    "x * x": (lambda x: x * x, 9.0, 6.0),
    "x.max(2)": (lambda x: x.max(Value(2.0)), 3.0, 1.0),
    "x.min(2)": (lambda x: x.min(Value(2.0)), 2.0, 0.0),
}


@pytest.mark.parametrize("name", OPERATORS)
def test_operator_value_and_gradient(name):
    f, data, grad = OPERATORS[name]
    x = Value(3.0)
    out = f(x)
    out.backward()
    assert out.data == data
    assert x.grad == grad


def test_value_to_the_power_of_a_value():
    x, y = Value(3.0), Value(2.0)
    out = x ** y
    out.backward()
    assert out.data == 9.0
    assert (x.grad, y.grad) == (6.0, 9.0 * math.log(3.0))


A = 0.5
METHODS = {   # name: (data, gradient) at a = 0.5, as the math gives them
    "exp": (math.exp(A), math.exp(A)),
    "log": (math.log(A), 1 / A),
    "tanh": (math.tanh(A), 1 - math.tanh(A) ** 2),
    "sigmoid": (1 / (1 + math.exp(-A)), (1 / (1 + math.exp(-A))) * (1 - 1 / (1 + math.exp(-A)))),
    "relu": (A, 1.0),
    "sqrt": (math.sqrt(A), 0.5 / math.sqrt(A)),
    "abs": (A, 1.0),
    "sin": (math.sin(A), math.cos(A)),
    "cos": (math.cos(A), -math.sin(A)),
    "softplus": (math.log1p(math.exp(A)), 1 / (1 + math.exp(-A))),
}


@pytest.mark.parametrize("name", METHODS)
def test_method_value_and_gradient(name):
    data, grad = METHODS[name]
    x = Value(A)
    out = getattr(x, name)()
    out.backward()
    assert out.data == pytest.approx(data, rel=1e-15)
    assert x.grad == pytest.approx(grad, rel=1e-15)


def test_relu_of_negative_has_zero_gradient():
    x = Value(-2.0)
    out = x.relu()
    out.backward()
    assert (out.data, x.grad) == (0.0, 0.0)


# ---- errors: type, op and value in the message, label when set --------------------------------

ERRORS = [
    (lambda: Value(-2.0, label="x").log(), DomainError, ["log", "-2.0", "'x'"]),
    (lambda: Value(0.0).log(), DomainError, ["log", "0.0"]),
    (lambda: Value(-1.5, label="x").sqrt(), DomainError, ["sqrt", "-1.5", "'x'"]),
    (lambda: Value(1.0, label="x") / 0, DivisionByZero, ["div", "0", "'x'"]),
    (lambda: 1.0 / Value(0.0, label="z"), DivisionByZero, ["div", "0.0", "'z'"]),
    (lambda: Value(-2.0, label="x") ** 0.5, DomainError, ["pow", "-2.0", "0.5", "'x'"]),
    (lambda: Value(-2.0, label="x") ** Value(0.5), DomainError, ["pow", "-2.0", "0.5"]),
    (lambda: (-8.0) ** Value(1 / 3), DomainError, ["pow", "-8.0"]),
    (lambda: Value(0.0) ** -1, DivisionByZero, ["pow", "0.0", "-1"]),
    (lambda: Value(1.0) + "2", OperandError, ["add", "'2'", "str"]),
    (lambda: "2" + Value(1.0), OperandError, ["add", "'2'", "str"]),
    (lambda: Value(1.0) * [1], OperandError, ["mul", "[1]", "list"]),
    (lambda: None - Value(1.0), OperandError, ["sub", "None"]),
    (lambda: Value(1.0) ** "2", OperandError, ["pow", "'2'"]),
    (lambda: Value("3"), OperandError, ["Value()", "'3'", "str"]),
    (lambda: Value(1.0, label=3), OperandError, ["label", "3"]),
    (lambda: Value(Value(1.0)), OperandError, ["Value()", "Value(data=1.0"]),
    (lambda: Value(1.0).backward(grad="x"), OperandError, ["backward", "'x'"]),
    (lambda: Value(1.0) < "a", OperandError, ["<", "'a'"]),
]


@pytest.mark.parametrize("make, error, words", ERRORS,
                         ids=[" ".join(w[:2]) for _, _, w in ERRORS])
def test_clear_errors(make, error, words):
    with pytest.raises(error) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_domain_errors_carry_op_and_value():
    with pytest.raises(DomainError) as info:
        Value(-3.0).log()
    assert (info.value.op, info.value.value) == ("log", -3.0)
    assert isinstance(info.value, ValueError)
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / 0.0


def test_infinite_derivative_is_an_error_in_backward():
    a = Value(0.0, label="a")
    y = (a * a).sqrt()
    with pytest.raises(DomainError) as info:
        y.backward()
    assert "sqrt" in str(info.value) and "a=0" in str(info.value)
    y2 = (a * 2.0).sqrt()             # the graph is usable again: _n reset after the error
    with pytest.raises(DomainError):
        y2.backward()


def test_backward_error_names_the_failing_node():
    a = Value(0.0, label="a")
    y = (a * a).sqrt()
    y.label = "y"
    with pytest.raises(DomainError, match="'y'"):
        y.backward()


def test_division_by_zero_names_the_divisor():
    with pytest.raises(DivisionByZero, match="'z'"):
        Value(1.0, label="x") / Value(0.0, label="z")


# ---- anomaly mode ------------------------------------------------------------------------------

def test_anomaly_names_first_op_producing_inf_in_forward():
    a = Value(1e308, label="a")
    assert math.isinf((a * 10).data)                 # off by default: inf passes silently
    with detect_anomaly():
        b = a - 1.0                                  # finite: fine
        with pytest.raises(AnomalyError) as info:
            (b * 10.0).exp()
    message = str(info.value)
    assert "mul(" in message and "1e+308" in message and "inf" in message and "forward" in message


def test_anomaly_names_first_op_producing_nan():
    inf = Value(float("inf"))
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"sub\(inf, inf\) produced nan"):
        inf - inf


def test_anomaly_in_backward_names_op_and_numbers():
    b = Value(1e200, label="b")
    d = (b * 1e-200) * 1e200                         # every forward value is finite
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        d.backward(grad=1e300)
    message = str(info.value)
    assert "backward of mul" in message and "1e+200" in message and "1e+300" in message


def test_anomaly_mode_is_a_decorator_and_restores():
    @detect_anomaly()
    def f():
        return Value(1e308) * 10

    with pytest.raises(AnomalyError):
        f()
    assert math.isinf(f.__wrapped__().data)
    assert math.isinf((Value(1e308) * 10).data)


# ---- graph recording, seeds, accumulation --------------------------------------------------------

def test_no_grad_builds_no_graph():
    x = Value(2.0)
    with no_grad():
        y = x * 3.0 + 1.0
        z = y.tanh()
    assert y.is_leaf() and z.is_leaf() and y.inputs == () and y.op is None
    assert y.data == 7.0
    z.backward()
    assert x.grad == 0.0
    assert (x * 3.0).inputs[0] is x                # recording is back on


def test_backward_seed():
    x, y = Value(3.0), Value(-4.0)
    (x * y).backward(grad=2.5)
    assert (x.grad, y.grad) == (-10.0, 7.5)


def test_backward_twice_doubles_leaf_grads_and_reset():
    x = Value(0.3)
    y = (x * x).tanh() + x
    y.backward()
    once = x.grad
    y.backward()
    assert x.grad == 2 * once
    x.grad = 0.0
    y.backward()
    assert x.grad == once


def test_million_node_chain_without_recursion():
    limit = sys.getrecursionlimit()
    x = Value(0.25, label="x")
    v = x
    gc.disable()      # the chain has no cycles; skipping the collector's scans halves the time
    try:
        for _ in range(500_000):        # (v + 1) · (-1), twice = identity: 1,000,000 op nodes
            v = (v + 1.0) * -1.0
    finally:
        gc.enable()
    assert v.data == 0.25
    v.backward()
    assert x.grad == 1.0                # (-1)^500000
    assert sys.getrecursionlimit() == limit


def test_dropped_graph_leaves_no_reference_cycles():
    def build():
        x, y = Value(0.5), Value(-1.5)
        out = x
        for _ in range(200):
            out = (out * y + x).tanh() + out ** 2 * 0.01
        out.backward()

    def live_values():
        return sum(1 for o in gc.get_objects() if type(o) is Value)

    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        before = live_values()
        build()                           # everything it made is unreachable now
        assert live_values() == before    # freed by reference counting alone
        assert gc.collect() == 0          # and the cycle collector found nothing
    finally:
        if enabled:
            gc.enable()


# ---- repr, identity, CLI ------------------------------------------------------------------------

def test_repr():
    w = Value(0.5, label="w")
    w.grad = -1.2
    assert repr(w) == "Value(data=0.5, grad=-1.2, label='w')"
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"


def test_autograd_is_chainrule():
    assert autograd.__chainrule__ is True
    assert autograd.Value.__module__ == "autograd.value"
    assert autograd.gradcheck is __import__("autograd.testing", fromlist=["x"]).gradcheck


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "autograd", *args], capture_output=True,
                          text=True, timeout=60)


def test_cli_version():
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"chainrule {autograd.__version__}"


def test_cli_help():
    done = run_cli("--help")
    assert done.returncode == 0
    assert "usage: chainrule" in done.stdout and "--version" in done.stdout


def test_register_op_adds_a_method_with_its_derivative():
    from autograd import ops, register_op
    from autograd.value import Value as V

    square_plus = ops.Op("square_plus", 1, lambda a, k: a * a + 1.0,
                         lambda out, a, k: (2.0 * a,), "a² + 1", ("2·a",), "a^2 + 1", ("2a",))
    try:
        register_op(square_plus)
        x = V(3.0)
        y = x.square_plus()
        y.backward()
        assert (y.data, x.grad) == (10.0, 6.0)
        with pytest.raises(TypeError, match="already has 'square_plus'"):
            register_op(square_plus)
        with pytest.raises(TypeError, match="already has 'tanh'"):
            register_op(square_plus, "tanh")
    finally:                  # off every kind and out of the table: later tests list OPS
        from autograd import unregister_op
        unregister_op(square_plus)


@pytest.mark.parametrize("names", ["draw, explain", "explain, draw", "explain_update, draw"])
def test_top_level_teaching_names_are_the_functions_not_their_modules(names):
    import subprocess
    import sys

    code = f"from autograd import {names}; import types; " \
           f"print(all(not isinstance(f, types.ModuleType) for f in ({names},)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
