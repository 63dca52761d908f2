"""taylor_test: residual slopes 2 for the right gradient, 1 for a wrong one, and its plot."""

import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings

from autograd import OPS, Tensor, Value, hvp
from autograd.testing import expressions, taylor_test
from autograd.testing.check import backward_gradients
from autograd.testing.directional import directions
from autograd.testing.mutants import mutant, mutants


def smooth(x, y):
    return (x * y).tanh() * y.sin() + (x / y).exp()


def test_right_gradient_gives_slope_two_and_inputs_are_restored():
    x, y = Value(0.7), Value(1.3)
    result = taylor_test(smooth, [x, y])
    assert result and result.slope == pytest.approx(2.0, abs=0.01)
    assert all(abs(s - 2.0) < 0.05 for s in result.slopes)
    assert result.hs == [1e-2 * 1.3 / 2 ** k for k in range(17)]       # h0 · max(1, |x|)
    assert (x.data, y.data, x.grad, y.grad) == (0.7, 1.3, 0.0, 0.0)
    assert "slope 2.00, ok: the residual falls like h²" in str(result)


def test_quadratic_residual_is_exactly_half_h_squared_curvature():
    x = Value(0.5)
    result = taylor_test(lambda x: x * x, [x], direction=[[1.0]], h0=0.5, halvings=4)
    assert result.residuals == [0.25 / 4 ** k for k in range(5)]      # |h²| exactly
    assert result.slopes == [2.0] * 4


def test_wrong_gradient_gives_slope_one():
    with mutant("tanh.a.dropped"):
        result = taylor_test(smooth, [Value(0.7), Value(1.3)])
    assert not result and result.slope == pytest.approx(1.0, abs=0.01)
    assert "FAILED: the residual falls like h" in str(result)


def test_linear_function_stays_at_rounding_level():
    result = taylor_test(lambda x, y: 2.0 * x - y + 1.0, [Value(0.3), Value(-1.2)])
    assert result and result.slope is None and result.slopes == []
    assert "rounding level" in str(result)


def test_tensors_and_a_tensor_mutant():
    W = Tensor.randn((5, 3), seed=4, requires_grad=True)
    X = Tensor.randn((2, 5), seed=5)
    f = lambda W: (X @ W).tanh().sum()           # noqa: E731
    assert taylor_test(f, [W]).slope == pytest.approx(2.0, abs=0.05)
    for name in ("matmul.1.sign", "matmul.1.entry"):
        with mutant(name):
            assert taylor_test(f, [W]).slope < 1.1, name
    assert W.grad is None


def test_direction_must_match_the_inputs():
    with pytest.raises(ValueError, match="direction has parts of sizes"):
        taylor_test(smooth, [Value(0.7), Value(1.3)], direction=[[1.0]])


def test_svg_is_a_log_log_plot():
    result = taylor_test(smooth, [Value(0.7), Value(1.3)], halvings=30)
    svg = result.svg("right")
    root = ET.fromstring(svg)                      # well-formed
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "residual, slope 2.00" in texts and "rounding floor" in texts and "1e-3" in texts
    assert len(list(root.iter(f"{ns}circle"))) == 31


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(max_nodes=10))
def test_slope_is_two_over_expressions(expr):
    """Slope 2 ± 0.1. Where the curvature along v (nearly) vanishes (|vᵀHv| < 1e-2: tanh or
    sin near 0) the h³ term dominates down to an h where the residual is close to rounding, so
    the slope read there lies between 2 and 4 (or climbs to 2 from below when the h² and h³
    terms have opposite signs); the verdict is still right. None only for an f linear along v."""
    leaves = expr.leaves()
    result = taylor_test(expr, leaves)
    assert result.ok, result
    v = [p[0] for p in directions([1] * len(leaves), 1, 0)[0]]
    hv = hvp(expr, [x.data for x in leaves], v)
    curvature = math.fsum(a * b for a, b in zip(v, hv))
    if result.slope is None:
        assert abs(curvature) < 1e-6, (expr, result)
    elif abs(curvature) > 1e-2:
        assert abs(result.slope - 2.0) <= 0.1, (expr, result)
    else:                            # still the right verdict (1 would mean a wrong gradient)
        assert 1.5 < result.slope < 4.5, (expr, result)


RULE_MUTANTS = mutants(kinds=("sign", "dropped", "other"))


@pytest.mark.parametrize("m", RULE_MUTANTS, ids=lambda m: m.name)
def test_slope_is_below_one_and_a_half_for_each_mutant(m):
    """Over expressions using the mutated op: wherever the mutant changes the derivative along
    the test's direction by more than 1e-6 (relative), the slope says so."""
    others = ["add", "mul", "tanh"] if m.op != "tanh" else ["add", "mul", "sin"]
    seen = []

    @settings(max_examples=30, database=None, suppress_health_check=list(HealthCheck))
    @given(expressions(ops=[m.op, m.op] + others, max_nodes=8))
    def run(expr):
        leaves = expr.leaves()
        v = directions([1] * len(leaves), 1, 0)[0]
        right = backward_gradients(expr, leaves)[1]
        with m:
            wrong = backward_gradients(expr, leaves)[1]
            result = taylor_test(expr, leaves)
        along = [math.fsum(p[0] * g[0] for p, g in zip(v, gs)) for gs in (right, wrong)]
        if abs(along[0] - along[1]) > 1e-6 * max(1.0, abs(along[0])):
            assert result.slope is not None and result.slope < 1.5, (expr, result)
            seen.append(expr)

    run()
    assert seen, f"{m.name}: no generated expression showed the mutant"


def test_taylor_test_rejects_nothing_it_can_check_and_names_the_verdict_for_each_op():
    for name in ("log", "sqrt", "sigmoid", "softplus", "sin", "cos", "exp"):
        x = Value(1.7)
        result = taylor_test(lambda x, name=name: getattr(x, OPS[name].method)(), [x])
        assert result and result.slope == pytest.approx(2.0, abs=0.05), name
