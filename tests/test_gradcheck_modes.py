"""gradcheck's fast (directional) mode, forward mode against reverse mode, and order=2."""

import math

import pytest
from hypothesis import given, settings

from autograd import Tensor, Value, ops, register_op, unregister_op
from autograd.testing import expressions, gradcheck
from autograd.testing.directional import directions
from autograd.testing.mutants import mutant


def smooth(x, y):
    return (x * y).tanh() * y.sin() + (x / y).exp()


def test_fast_mode_passes_and_costs_two_evaluations_per_direction():
    x, y = Value(0.7, label="x"), Value(1.3, label="y")
    result = gradcheck(smooth, [x, y], fast=True, directions=4)
    assert result and result.checked == 4
    assert result.evaluations == 1 + 2 * 4            # one backward pass + 2 per direction
    assert (x.data, y.data, x.grad, y.grad) == (0.7, 1.3, 0.0, 0.0)


def test_directions_are_unit_and_deterministic_for_a_seed():
    a, b, c = directions([3, 2], 2, seed=5), directions([3, 2], 2, seed=5), directions([3, 2], 2, 6)
    assert a == b and a != c
    for v in a:
        assert math.isclose(math.fsum(t * t for part in v for t in part), 1.0, rel_tol=1e-14)
        assert [len(p) for p in v] == [3, 2]


def test_fast_mode_reports_the_direction_and_seed_of_a_wrong_gradient():
    x = Value(0.4, label="x")
    with mutant("tanh.a.dropped"):
        result = gradcheck(lambda x: (x * 3.0).tanh(), [x], fast=True, directions=2, seed=11)
    assert not result and len(result.mismatches) == 2
    assert "v1·∇f (direction 1 of 2, seed 11)" in str(result)


def test_fast_mode_checks_a_784_by_128_weight_in_a_few_evaluations():
    W = Tensor.randn((784, 128), std=0.05, seed=1, requires_grad=True)
    X = Tensor.randn((2, 784), seed=2)

    def loss(W):
        return (X @ W).sigmoid().sum()

    result = gradcheck(loss, [W], fast=True, directions=3)
    assert result and result.evaluations == 1 + 3 * 2          # <= 10 per direction
    assert W.grad is None
    with mutant("matmul.1.entry"):                            # one entry of 100,352 wrong
        assert not gradcheck(loss, [W], fast=True, directions=3)
    with mutant("sigmoid.a.dropped"):
        assert not gradcheck(loss, [W], fast=True, directions=1)


@settings(max_examples=60)
@given(expressions(max_nodes=10))
def test_forward_mode_agrees_with_reverse_mode_to_rounding(expr):
    gradcheck(expr, expr.leaves(), method="forward", raise_on_failure=True)
    gradcheck(expr, expr.leaves(), method="forward", fast=True, raise_on_failure=True)


def test_forward_mode_catches_an_engine_that_loses_fan_out(monkeypatch):
    from autograd.engine import backward_order

    def assign_on_fan_out(self, grad=1.0):
        for node in backward_order(self):
            g = 1.0 if node is self else node._g
            node.grad = g
            for child, d in zip(node.inputs, node.local_derivatives()):
                child._g = d * g                        # = instead of +=
    x = Value(0.3, label="x")
    assert gradcheck(lambda x: x * x.sin(), [x], method="forward")
    monkeypatch.setattr(Value, "backward", assign_on_fan_out)
    result = gradcheck(lambda x: x * x.sin(), [x], method="forward")
    (m,) = result.mismatches
    assert m.method == "forward" and m.numeric == pytest.approx(math.sin(0.3) + 0.3 * math.cos(0.3),
                                                                rel=1e-15)


def test_forward_mode_refuses_tensors_and_fast_mode_notes_a_method_it_cannot_use():
    t = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"method='forward'\) needs Value inputs"):
        gradcheck(lambda t: (t * t).sum(), [t], method="forward")
    result = gradcheck(lambda t: (t * t).sum(), [t], method="complex", fast=True)
    assert result and "central differences" in result.notes[0]


def test_gradcheck_rejects_bad_order_and_directions():
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        gradcheck(lambda x: x, [Value(1.0)], order=3)
    with pytest.raises(ValueError, match="directions must be a positive int"):
        gradcheck(lambda x: x, [Value(1.0)], fast=True, directions=0)
    with pytest.raises(ValueError, match="directions must be a positive int, got True"):
        gradcheck(lambda x: x, [Value(1.0)], fast=True, directions=True)
    for eps in (0.0, -1e-6, math.nan):
        with pytest.raises(ValueError, match="eps must be a positive finite number"):
            gradcheck(lambda x: x, [Value(1.0)], eps=eps)
    with pytest.raises(ValueError, match="method='forward' is not available there"):
        gradcheck(lambda x: x * x, [Value(1.0)], order=2, method="forward")


def detached(a):
    """The same number(s), cut off from the graph: a constant to any further backward pass."""
    if isinstance(a, Value):
        return Value(a.data)
    if isinstance(a, Tensor):
        return Tensor(list(a.data), a.shape)
    return a


@pytest.fixture
def detached_cube():
    """a³ whose rule 3·a² is right as a number but a constant to a second backward pass."""
    cube = ops.op("cube_detached", arity=1, expr="a³", derivs=("3·a²",),
                  forward=lambda a, k: a ** 3,
                  local=lambda out, a, k: (3.0 * detached(a) ** 2,))
    register_op(cube)
    yield cube
    unregister_op(cube)


def test_order_two_checks_the_hessian_of_values(detached_cube):
    x, y = Value(0.7, label="x"), Value(1.3, label="y")
    result = gradcheck(smooth, [x, y], order=2)
    assert result and result.checked == 4 and result.evaluations == 1 + 2 * 2
    assert gradcheck(smooth, [x, y], order=2, fast=True)
    f = lambda x, y: x.cube_detached() * y          # noqa: E731
    assert gradcheck(f, [x, y])                     # first derivatives are right
    bad = gradcheck(f, [x, y], order=2)
    where = {m.what for m in bad.mismatches}
    assert where == {"∂²f/∂x∂x"}                    # 0 instead of 6·x·y
    (m,) = bad.mismatches
    assert m.analytic == 0.0 and m.numeric == pytest.approx(6 * 0.7 * 1.3, rel=1e-6)


def test_order_two_on_tensors_uses_hessian_vector_products(detached_cube):
    A = Tensor.randn((3, 4), seed=1, requires_grad=True)
    B = Tensor.randn((4, 2), seed=3, requires_grad=True)
    assert gradcheck(lambda A, B: (A @ B).tanh().sum(), [A, B], order=2)
    bad = gradcheck(lambda A, B: (A @ B).cube_detached().sum(), [A, B], order=2)
    assert not bad and gradcheck(lambda A, B: (A @ B).cube_detached().sum(), [A, B])


@pytest.fixture
def infinite_rule():
    """An op whose forward is 2a but whose rule says ∂/∂a = inf."""
    twice = ops.op("twice_inf", arity=1, expr="2·a", derivs=("∞",),
                   forward=lambda a, k: 2 * a, local=lambda out, a, k: (math.inf,))
    register_op(twice)
    yield twice
    unregister_op(twice)


def test_an_infinite_gradient_fails_every_numerical_mode_and_blame_names_the_rule(infinite_rule):
    """atol + rtol·max(|inf|, |2|) is inf, and inf <= inf: every mode passed it."""
    f = lambda x: x.twice_inf()                    # noqa: E731
    for kwargs in ({}, {"method": "both"}, {"fast": True}):
        result = gradcheck(f, [Value(0.3, label="x")], **kwargs)
        assert not result, kwargs
        assert "backward gives inf" in str(result), kwargs
    assert "twice_inf, input a" in str(gradcheck(f, [Value(0.3)]))       # blame: the op
    # forward mode reads the same table, so inf against inf agrees (it checks the engine)
    assert gradcheck(f, [Value(0.3)], method="forward")


def test_inputs_of_very_different_sizes_each_get_a_step_of_their_own_size():
    """One global step eps·max|x| (1e-6 · 1e6 = 1 for x = 0.3) failed a right gradient."""
    f = lambda x, y: x.sin() + y * 0.5             # noqa: E731
    for kwargs in ({}, {"fast": True}, {"order": 2}, {"order": 2, "fast": True}):
        assert gradcheck(f, [Value(0.3), Value(1e6)], **kwargs), kwargs
    t = Tensor([0.1, -0.2, 0.3, 2e5], requires_grad=True)
    assert gradcheck(lambda t: t.tanh().sum(), [t], fast=True)
    with mutant("sin.a.dropped"):                  # and a wrong one still fails beside a big one
        assert not gradcheck(f, [Value(0.3), Value(1e3)], fast=True)
        # fast mode compares one number per direction: an error of 0.045 in ∂f/∂x hides in
        # the tolerance of v·∇f ≈ 5e5 (documented); the elementwise mode checks each partial
        assert gradcheck(f, [Value(0.3), Value(1e6)], fast=True)
        assert not gradcheck(f, [Value(0.3), Value(1e6)])
