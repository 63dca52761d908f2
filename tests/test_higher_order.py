"""Derivatives of derivatives: grad, gradients(create_graph=True), hessian, jvp, vjp, hvp.

Closed forms where the math gives them, central differences and PyTorch (float64, skipped
without torch) on random expression graphs from ``autograd.testing.expressions()``.
"""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from torch_replay import torch_apply

from autograd import (DomainError, OperandError, Value, grad, gradients, hessian, hvp, jvp,
                      vjp)
from autograd.forward import derivative
from autograd.testing import expressions, graphs


def close(a, b, rel=1e-9, abs_=1e-9):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# ---- closed forms ------------------------------------------------------------------------------

@pytest.mark.parametrize("x", [-1.3, 0.0, 0.4, 2.2])
def test_derivatives_of_sin_cycle_to_third_order(x):
    f = lambda v: v.sin()               # noqa: E731
    assert grad(f)(x) == math.cos(x)
    assert close(grad(grad(f))(x), -math.sin(x), 1e-15, 1e-15)
    assert close(grad(grad(grad(f)))(x), -math.cos(x), 1e-15, 1e-15)


@pytest.mark.parametrize("x", [-2.0, -0.3, 0.0, 0.7, 3.0])
def test_second_and_third_derivative_of_tanh(x):
    t = math.tanh(x)
    assert close(grad(grad(lambda v: v.tanh()))(x), -2 * t * (1 - t * t), 1e-14, 1e-15)
    assert close(grad(grad(grad(lambda v: v.tanh())))(x),
                 -2 * (1 - t * t) * (1 - 3 * t * t), 1e-13, 1e-14)


def test_float_in_gives_float_out_and_value_in_gives_a_value_in_the_callers_graph():
    f = lambda x: x ** 3               # noqa: E731
    assert grad(f)(2.0) == 12.0 and isinstance(grad(f)(2.0), float)
    x = Value(2.0, label="x")
    d = grad(f)(x)                      # 3x², a Value that depends on x
    assert isinstance(d, Value) and d.data == 12.0
    (d * 5.0).backward()                # ∂(5·3x²)/∂x = 30x = 60
    assert x.grad == 60.0


def test_grad_with_a_tuple_of_argnums_and_a_constant_function():
    f = lambda x, y, z: x * y + z ** 2  # noqa: E731
    assert grad(f, argnums=(0, 2))(2.0, 3.0, 4.0) == (3.0, 8.0)
    assert grad(f, 1)(2.0, 3.0, 4.0) == 2.0
    assert grad(lambda x: 7.0)(1.0) == 0.0
    with pytest.raises(OperandError, match="argnums"):
        grad(f, argnums="0")
    with pytest.raises(OperandError, match="out of range"):
        grad(f, argnums=5)(1.0, 2.0, 3.0)


def test_grad_of_a_function_closing_over_a_value_keeps_that_value_in_the_graph():
    w = Value(3.0, label="w")
    d = grad(lambda x: w * x * x)(2.0)   # 2wx: depends on w, so it must stay a Value
    assert isinstance(d, Value) and d.data == 12.0
    d.backward()
    assert w.grad == 4.0                 # ∂(2wx)/∂w = 2x


def test_nested_grads_never_confuse_their_inputs():
    # d/dx [x · d/dy (x·y)] at y = x: the inner derivative is x, so the whole is d(x²)/dx = 2x
    outer = grad(lambda x: x * grad(lambda y: x * y)(x))
    assert outer(3.0) == 6.0


def test_gradients_equal_backward_bit_for_bit_and_leave_grad_alone():
    w, x, b = Value(-1.2, label="w"), Value(0.5, label="x"), Value(0.3, label="b")
    L = ((w * x + b).tanh() - 1.0) ** 2 + w * w
    got = gradients(L, [w, x, b])
    assert (w.grad, x.grad, b.grad) == (0.0, 0.0, 0.0)
    L.backward()
    assert got == [w.grad, x.grad, b.grad]


@given(graphs(max_nodes=10))
def test_gradients_match_backward_on_random_graphs(graph):
    leaves, out = graph
    got = gradients(out, leaves)
    out.backward()
    assert got == [v.grad for v in leaves]


def test_gradients_with_create_graph_returns_values_that_backpropagate():
    x, y = Value(1.5, label="x"), Value(-0.5, label="y")
    f = x * x * y + y.exp()
    dx, dy = gradients(f, [x, y], create_graph=True)      # 2xy, x² + e^y
    assert isinstance(dx, Value) and isinstance(dy, Value)
    assert (dx.data, dy.data) == (2 * 1.5 * -0.5, 1.5 ** 2 + math.exp(-0.5))
    assert gradients(dx, [x, y]) == [2 * -0.5, 2 * 1.5]     # ∂²f/∂x², ∂²f/∂x∂y
    assert gradients(dy, [x, y]) == [2 * 1.5, math.exp(-0.5)]
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_gradients_of_an_input_the_output_does_not_use_is_zero():
    x, y = Value(2.0), Value(3.0)
    assert gradients(x * 2.0, [x, y]) == [2.0, 0.0]
    zero = gradients(x * 2.0, [y], create_graph=True)[0]
    assert isinstance(zero, Value) and zero.data == 0.0


def test_gradients_refuses_what_it_cannot_differentiate():
    x = Value(1.0)
    with pytest.raises(OperandError, match="inputs\\[1\\] must be a Value"):
        gradients(x * 2, [x, 3.0])
    with pytest.raises(OperandError, match="output must be"):
        gradients(3.0, [x])
    with pytest.raises(OperandError, match="create_graph=True"):
        gradients(x * 2, [x], grad=Value(1.0))


def test_hessian_of_rosenbrock_is_exact():
    rosen = lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2    # noqa: E731
    x, y = -1.2, 1.0
    H = hessian(rosen)(x, y)
    expected = [[2 - 400 * (y - 3 * x * x), -400 * x], [-400 * x, 200.0]]
    assert all(close(a, b, 1e-15, 0.0) for ra, rb in zip(H, expected) for a, b in zip(ra, rb))


def newton(f, x, steps):
    g, h = grad(f, argnums=(0, 1)), hessian(f)
    path = [x]
    for _ in range(steps):
        (gx, gy), ((a, b), (c, d)) = g(*x), h(*x)
        det = a * d - b * c
        x = (x[0] - (d * gx - b * gy) / det, x[1] - (a * gy - c * gx) / det)
        path.append(x)
    return path


def test_newton_with_the_exact_hessian_reaches_rosenbrocks_minimum():
    rosen = lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2    # noqa: E731
    path = newton(rosen, (-1.2, 1.0), 7)
    x, y = path[-1]
    assert abs(x - 1.0) < 1e-10 and abs(y - 1.0) < 1e-10
    assert max(abs(path[5][0] - 1), abs(path[5][1] - 1)) < 1e-3   # a handful of steps


def test_mixed_second_derivative_of_pow_where_the_exponent_is_zero():
    # ∂²(b ** a)/∂b∂a = b**(a-1) + a·b**(a-1)·log b = 1 at a = 0, b = 1 (PyTorch says 0)
    assert hessian(lambda a, b: b ** a)(0.0, 1.0)[1][0] == 1.0
    g = grad(lambda b: grad(lambda a: b ** a)(0.0))     # ∂/∂b of log(b)·b**0 = 1/b
    assert g(2.0) == 0.5


def test_newton_in_one_dimension_converges_quadratically():
    f = lambda x: x.exp() - 2.0 * x        # minimum at log 2   # noqa: E731
    x, errors = 3.0, []
    for _ in range(7):
        x -= grad(f)(x) / grad(grad(f))(x)
        errors.append(abs(x - math.log(2)))
    assert errors[-1] <= 2 * 2 ** -52                  # log 2 to the last bit or two
    for e0, e1 in zip(errors[2:5], errors[3:6]):
        assert e1 < e0 ** 2                            # the error squares at every step


def test_jvp_and_vjp_agree_with_grad():
    f = lambda x, y: (x * y).tanh() + y.log()        # noqa: E731
    g = grad(f, argnums=(0, 1))(0.7, 1.3)
    value, d = jvp(f, (0.7, 1.3), (2.0, -1.0))
    assert value == math.tanh(0.7 * 1.3) + math.log(1.3)
    assert close(d, 2 * g[0] - g[1], 1e-15, 1e-15)
    value2, pullback = vjp(f, 0.7, 1.3)
    assert value2 == value and pullback(1.0) == g
    assert pullback(2.0) == tuple(2 * v for v in g)


def test_hvp_equals_the_hessian_times_the_vector():
    f = lambda x, y: x ** 3 * y + (x * y).sin()      # noqa: E731
    H = hessian(f)(0.3, -1.1)
    v = (0.5, 2.0)
    got = hvp(f, (0.3, -1.1), v)
    for i in range(2):
        assert close(got[i], H[i][0] * v[0] + H[i][1] * v[1], 1e-13, 1e-14)


def test_reverse_over_forward_gives_the_same_hessian_vector_product():
    f = lambda x, y: x ** 3 * y + (x * y).sin()      # noqa: E731
    directional = grad(lambda x, y: jvp(f, (x, y), (0.5, 2.0))[1], argnums=(0, 1))
    assert all(close(a, b, 1e-13, 1e-14)
               for a, b in zip(directional(0.3, -1.1), hvp(f, (0.3, -1.1), (0.5, 2.0))))


# ---- forward mode nests -------------------------------------------------------------------------

def test_forward_over_forward_second_derivative():
    f = lambda x: x.sin() * x                          # f'' = 2cos x - x sin x   # noqa: E731
    second = derivative(lambda x: derivative(f, x), 0.8)
    assert close(second, 2 * math.cos(0.8) - 0.8 * math.sin(0.8), 1e-15, 1e-15)


def test_nested_duals_avoid_perturbation_confusion():
    # d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1; untagged duals give 2
    assert derivative(lambda x: x * derivative(lambda y: x + y, 1.0), 2.0) == 1.0


# ---- a constant's derivative is never asked for ------------------------------------------------

@pytest.mark.parametrize("y0", [0.0, 0.3, 0.99])
def test_zero_to_a_value_power_has_zero_gradient_in_both_modes(y0):
    # found by HIPS autograd's scalar suite: ∂(0**y)/∂y = 0 (PyTorch and HIPS agree); the base
    # is a constant, so its own (infinite) derivative must not be evaluated at all
    y = Value(y0, label="y")
    out = 0.0 ** y
    out.backward()
    assert (out.data, y.grad) == (0.0 ** y0, 0.0)
    assert derivative(lambda t: 0.0 ** t, y0) == 0.0
    assert grad(lambda t: 0.0 ** t)(y0) == 0.0


def test_a_base_that_needs_its_gradient_still_raises():
    base, y = Value(0.0, label="base"), Value(0.5, label="y")
    with pytest.raises(DomainError, match="infinite"):
        (base ** y).backward()


# ---- gradients never leave the graph silently ---------------------------------------------------

@pytest.mark.parametrize("leave", [lambda v: math.exp(v), lambda v: math.sin(v), float, int,
                                   lambda v: math.isfinite(v)])
def test_a_value_turned_into_a_float_is_a_clear_error(leave):
    with pytest.raises(OperandError, match=r"v\.exp\(\)") as info:
        leave(Value(0.5))
    assert isinstance(info.value, TypeError) and "item()" in str(info.value)


def test_the_ways_to_read_a_value_that_keep_working():
    v = Value(2.345)
    assert Value(2.5).item() == 2.5 and v.data == 2.345
    assert f"{v:.2f}" == "2.35" and round(v, 1) == 2.3 and round(v) == 2
    assert v > 2 and v <= 3 and max(Value(1.0), v) is v


# ---- properties on random expression graphs ------------------------------------------------------

@given(expressions(max_leaves=3, max_nodes=8))
def test_hessians_are_symmetric(expr):
    H = hessian(expr)(*expr.data)
    n = len(expr.data)
    for i in range(n):
        for j in range(i):
            assert close(H[i][j], H[j][i], 1e-9, 1e-9), (i, j, H)


def _central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


@given(expressions(max_leaves=1, max_nodes=8))
def test_second_derivative_equals_central_differences_of_the_first(expr):
    g = grad(expr)
    x = expr.data[0]
    h = 1e-5 * max(1.0, abs(x))
    try:
        numeric = _central(g, x, h)
    except (ArithmeticError, ValueError):
        assume(False)                   # x ± h left the domain: no numeric reference here
    analytic = grad(g)(x)
    scale = max(1.0, abs(g(x)), abs(analytic))
    assert abs(analytic - numeric) <= 1e-4 * scale, (expr, analytic, numeric)


@given(expressions(max_leaves=3, max_nodes=8), st.lists(st.floats(-2, 2), min_size=3,
                                                       max_size=3))
def test_jvp_is_the_gradient_dotted_with_the_tangent(expr, v):
    n = len(expr.data)
    _, d = jvp(expr, expr.data, v[:n])
    g = grad(expr, argnums=tuple(range(n)))(*expr.data)
    dot = math.fsum(gi * vi for gi, vi in zip(g, v))
    scale = max(1.0, math.fsum(abs(gi * vi) for gi, vi in zip(g, v)))
    assert abs(d - dot) <= 1e-12 * scale


# ---- PyTorch float64, to 1e-9 relative ----------------------------------------------------------

def _pow_at_exponent_zero(expr, exponents=(0.0,)):
    """PyTorch masks ∂(a ** b)/∂a to 0 where b == 0 (torch's pow backward: masked_fill_), so its
    mixed second derivative there is 0; the math (and chainrule) give a**(b-1) = 1 at a = 1.
    Its backward computes b · a ** (b - 1), a pow whose exponent is 0 where b == 1: the same
    mask then drops a term of the third derivative (d³/dx³ (eˣ)^(eˣ) at 0: torch 2.13 gives 9,
    the math 10, as f = exp(x·eˣ) and f‴ = f·(g‴ + 3g′g″ + g′³) = 3 + 6 + 1; chainrule gives 10,
    also by central differences of its second derivative; --hypothesis-seed=343). So the
    third-order cross-check leaves out exponents 0 and 1."""
    from autograd.engine import topological_order
    return any(v.op is not None and v.op.name == "pow" and v.inputs[1].data in exponents
               for v in topological_order(expr(*expr.leaves())))


def test_third_derivative_where_pytorch_drops_a_term():
    """The point PyTorch gets wrong (see _pow_at_exponent_zero), checked against the closed
    form and against central differences of the second derivative."""
    f = lambda x: x.exp() ** x.exp()                       # noqa: E731  (= exp(x·eˣ))
    assert grad(grad(grad(f)))(0.0) == pytest.approx(10.0, rel=1e-12)
    g2, h = grad(grad(f)), 1e-4
    assert (g2(h) - g2(-h)) / (2 * h) == pytest.approx(10.0, rel=1e-6)


@settings(max_examples=60)
@given(expressions(max_leaves=1, max_nodes=8))
def test_nested_grad_to_third_order_matches_pytorch(expr):
    torch = pytest.importorskip("torch")
    assume(not _pow_at_exponent_zero(expr, (0.0, 1.0)))
    x0 = expr.data[0]
    ours = [grad(expr)(x0), grad(grad(expr))(x0), grad(grad(grad(expr)))(x0)]
    t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    y = expr.replay([t], apply=torch_apply(torch))
    theirs = []
    for _ in range(3):
        if not y.requires_grad:
            theirs.append(0.0)
            y = torch.zeros((), dtype=torch.float64)
            continue
        (y,) = torch.autograd.grad(y, t, create_graph=True)
        theirs.append(y.item())
    for order, (a, b) in enumerate(zip(ours, theirs), 1):
        assert close(a, b), (order, expr, a, b)


@settings(max_examples=60)
@given(expressions(max_leaves=3, max_nodes=8), st.lists(st.floats(-2, 2), min_size=3,
                                                       max_size=3))
def test_create_graph_hessian_and_jvp_match_pytorch(expr, v):
    torch = pytest.importorskip("torch")
    from torch.autograd.functional import hessian as torch_hessian
    from torch.autograd.functional import jvp as torch_jvp

    n = len(expr.data)
    apply = torch_apply(torch)
    assume(not _pow_at_exponent_zero(expr))

    def tf(*xs):
        return expr.replay(list(xs), apply=apply)

    xs = tuple(torch.tensor(d, dtype=torch.float64) for d in expr.data)
    H = torch_hessian(tf, xs)
    ours = hessian(expr)(*expr.data)
    for i in range(n):
        for j in range(n):
            assert close(ours[i][j], H[i][j].item()), (i, j, expr)
    tv = tuple(torch.tensor(t, dtype=torch.float64) for t in v[:n])
    _, tj = torch_jvp(tf, xs, tv)
    assert close(jvp(expr, expr.data, v[:n])[1], tj.item())
    leaves = expr.leaves()
    first = gradients(expr(*leaves), leaves, create_graph=True)
    seconds = gradients(first[0], leaves)            # the first row of the Hessian again
    assert all(close(a, H[0][j].item()) for j, a in enumerate(seconds))


def test_lecture_draw_dot_runs_unchanged_on_a_chainrule_graph():
    graphviz = pytest.importorskip("graphviz")
    Digraph = graphviz.Digraph

    def trace(root):                     # Karpathy's "building micrograd" lecture, verbatim
        nodes, edges = set(), set()

        def build(v):
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    build(child)
        build(root)
        return nodes, edges

    def draw_dot(root):
        dot = Digraph(format='svg', graph_attr={'rankdir': 'LR'})
        nodes, edges = trace(root)
        for n in nodes:
            uid = str(id(n))
            dot.node(name=uid, label="{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad),
                     shape='record')
            if n._op:
                dot.node(name=uid + n._op, label=n._op)
                dot.edge(uid + n._op, uid)
        for n1, n2 in edges:
            dot.edge(str(id(n1)), str(id(n2)) + n2._op)
        return dot

    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    o = (x * w).tanh() + x**2
    o.backward()
    assert [x._op, (x**2)._op, (x**-1)._op, (x**0.5)._op] == ["", "**2", "**-1", "**0.5"]
    src = draw_dot(o).source
    assert 'label="*"' in src and "label=tanh" in src and 'label="**2"' in src
    assert "data 2.0000 | grad %.4f" % x.grad in src


def test_forward_over_reverse_jvp_of_grad_is_the_hessian_times_the_tangent():
    from autograd import Dual, grad, hessian, hvp, jvp
    f = lambda x: x.sin() * x  # noqa: E731
    d1 = math.cos(0.3) * 0.3 + math.sin(0.3)
    d2 = 2 * math.cos(0.3) - 0.3 * math.sin(0.3)
    d3 = -3 * math.sin(0.3) - 0.3 * math.cos(0.3)
    value, tangent = jvp(grad(f), (0.3,), (1.0,))
    assert value == pytest.approx(d1, rel=1e-15) and tangent == pytest.approx(d2, rel=1e-14)
    assert jvp(grad(grad(f)), (0.3,), (1.0,)) == (pytest.approx(d2, rel=1e-14),
                                                   pytest.approx(d3, rel=1e-13))
    rosenbrock = lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2  # noqa: E731
    H = hessian(rosenbrock)(-1.2, 1.0)
    t = (0.5, -2.0)
    for i in (0, 1):                      # each row of H·t, the same numbers hvp gives
        _, ht = jvp(grad(rosenbrock, argnums=i), (-1.2, 1.0), t)
        assert ht == pytest.approx(H[i][0] * t[0] + H[i][1] * t[1], rel=1e-14)
        assert ht == pytest.approx(hvp(rosenbrock, (-1.2, 1.0), t)[i], rel=1e-14)
    assert jvp(grad(lambda x: 3.0), (0.3,), (1.0,)) == (0.0, 0.0)
    with pytest.raises(OperandError, match=r"forward-over-reverse.*hvp"):
        grad(f)(Dual(Value(0.3), 1.0, 5))             # a Dual of Values: not this path


def test_hessian_of_a_function_returning_something_else_is_an_error():
    from autograd import hessian
    with pytest.raises(OperandError, match=r"hessian\(<lambda>\): f must return"):
        hessian(lambda x: "s")(1.0)
    assert hessian(lambda x, y: 3.0)(1.0, 2.0) == [[0.0, 0.0], [0.0, 0.0]]
