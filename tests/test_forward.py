"""Forward mode (dual numbers) agrees with reverse mode and counts its cost."""

import math

import pytest
from hypothesis import given

from autograd import DomainError, Value
from autograd.errors import FloatOverflow, OperandError
from autograd.forward import Dual, derivative, gradient_forward, gradient_reverse, jvp
from autograd.testing import expressions


def test_derivative_of_a_polynomial_is_exact():
    assert derivative(lambda x: x * x + x, 3.0) == 7.0
    assert derivative(lambda x: 3 * x ** 3 - 2 / x, 2.0) == 36.0 + 0.5


def test_tangent_comes_from_the_op_table_local_derivatives():
    d = Dual(-0.3, 1.0).tanh()
    assert d.value == math.tanh(-0.3)
    assert d.tangent == 1.0 - math.tanh(-0.3) ** 2
    assert (2 ** Dual(3.0, 1.0)).tangent == 8.0 * math.log(2.0)
    assert Dual(2.0, 1.0).max(Dual(1.0, 5.0)).tangent == 1.0


def test_sum_of_squares_gradient_matches_the_worked_example():
    r = gradient_forward(lambda x, y: x ** 2 + y ** 2, [-5.0, -5.0])
    assert r.gradient == (-10.0, -10.0) and r.value == 50.0
    assert r.passes == 2 and r.ops == 6            # 3 ops per pass, one pass per input


def test_forward_mode_needs_one_pass_per_input_reverse_mode_one_of_each():
    def f(*xs):
        total = xs[0] * xs[0]
        for x in xs[1:]:
            total = total + x * x
        return total

    xs = [0.1 * i for i in range(1, 9)]
    fwd, rev = gradient_forward(f, xs), gradient_reverse(f, xs)
    assert fwd.gradient == pytest.approx(rev.gradient, rel=1e-15)
    assert (fwd.passes, rev.passes) == (8, 2)
    assert rev.ops == 15                            # 8 squares + 7 sums, each run once
    assert fwd.ops == 8 * 15


def test_jvp_is_a_directional_derivative():
    value, d = jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, -1.0))
    assert (value, d) == (6.0, 3.0 - 2.0)
    with pytest.raises(ValueError, match="2 inputs but 1 tangents"):
        jvp(lambda x, y: x * y, (2.0, 3.0), (1.0,))


def test_a_constant_function_has_zero_derivative():
    assert derivative(lambda x: 4.0, 1.0) == 0.0


def test_domain_errors_come_from_the_op_table():
    with pytest.raises(DomainError, match="log"):
        derivative(lambda x: x.log(), -1.0)


@given(expressions(max_nodes=12))
def test_forward_mode_equals_reverse_mode_on_random_expressions(expr):
    values = expr.data
    xs = expr.leaves()
    expr(*xs).backward()
    for i in range(len(values)):
        duals = [Dual(v, 1.0 if j == i else 0.0) for j, v in enumerate(values)]
        out = expr(*duals)
        tangent = out.tangent if isinstance(out, Dual) else 0.0
        assert tangent == pytest.approx(xs[i].grad, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("bad", ["1", None, [1.0], 1j])
def test_dual_refuses_what_is_not_a_real_number(bad):
    # float("1") used to be accepted silently; a Value or a Dual is a number of the graph and
    # is kept as it is (a Dual of Values), never turned into a float.
    with pytest.raises(OperandError, match="Dual: the value must be a real number"):
        Dual(bad)
    with pytest.raises(OperandError, match="the tangent"):
        Dual(1.0, bad)


def test_a_dual_of_values_keeps_the_values_in_the_graph():
    x = Value(2.0, label="x")
    d = Dual(x, Value(1.0)) * Dual(x, 0.0)      # (x + ε)·x = x² + x·ε
    assert d.value is not x and d.value.data == 4.0
    assert d.tangent.data == 2.0
    d.tangent.backward()                        # ∂(tangent)/∂x = 1: the tangent is a graph
    assert x.grad == 1.0


def test_dual_with_a_string_operand_is_a_clear_operand_error():
    for f in (lambda: Dual(1.0) * "a", lambda: "a" * Dual(1.0), lambda: Dual(1.0) + "a",
              lambda: Dual(1.0) ** "a", lambda: Dual(1.0).max("a")):
        with pytest.raises(OperandError, match="unsupported operand 'a' of type str"):
            f()


def test_overflow_in_forward_mode_names_the_op():
    with pytest.raises(FloatOverflow, match=r"exp\(1000.0\) is too large") as e:
        Dual(1000.0, 1.0).exp()
    assert e.value.op == "exp"
    with pytest.raises(FloatOverflow, match="powc"):
        Dual(10.0, 1.0) ** 400
    with pytest.raises(FloatOverflow, match="pow"):
        derivative(lambda x: x ** Dual(400.0), 10.0)
