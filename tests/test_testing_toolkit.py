"""The toolkit tests itself: autograd.testing must catch deliberately broken derivatives.

Each fault is injected with ``monkeypatch`` (undone after the test) and must be found by the
strategies within the default example budget; the same properties pass on the real engine.
"""

import functools
import math
import subprocess
import sys

import pytest
from hypothesis import given, settings

from autograd import OPS, Value
from autograd.engine import backward_order
from autograd.testing.complex_step import apply_complex
from autograd.testing import (COMPLEX_TWINS, ComplexValue, GradcheckError, GradcheckResult,
                              TensorData, broadcastable_shapes, check_backward_twice,
                              check_chain_rule, check_linearity, check_sum_reassociation,
                              expressions, floats_in, gradcheck, graphs, shapes, tensors, values)

# ---- the properties ---------------------------------------------------------------------------


def gradients_match(expr, method="central"):
    leaves = expr.leaves()
    gradcheck(expr, leaves, method=method, raise_on_failure=True)


def backward_twice_doubles(expr):
    leaves = expr.leaves()
    check_backward_twice(expr, leaves, raise_on_failure=True)


def search(prop, strategy=None, max_examples=None):
    """Run ``prop`` over the default example budget (or ``max_examples``; no example database,
    so nothing is replayed from an earlier run) and return the GradcheckError it raised, or
    None. One error is reported even when several distinct ones are found (hypothesis would
    raise an ExceptionGroup of them)."""
    budget = {} if max_examples is None else {"max_examples": max_examples}

    @settings(database=None, report_multiple_bugs=False, **budget)
    @given(expressions() if strategy is None else strategy)
    def run(example):
        prop(example)

    try:
        run()
    except GradcheckError as e:
        return e
    return None


# ---- the faults -------------------------------------------------------------------------------


def backward_with_faults(self, grad=1.0, *, fan_out_adds=True, leaves_add=True, upstream=True):
    """Value.backward written plainly over engine.backward_order, with switchable classic bugs:

    fan_out_adds=False: a node's gradient is *assigned* by each consumer (``=`` instead of ``+=``),
                        so with fan-out only the last consumer's contribution survives.
    leaves_add=False:   leaf ``.grad`` is overwritten instead of accumulated across passes.
    upstream=False:     the local derivative is passed on without the upstream gradient factor.
    """
    for node in backward_order(self):          # sets every reached node's _g to None first
        g = float(grad) if node is self else node._g
        if node.is_leaf():
            node.grad = node.grad + g if leaves_add else g
            continue
        node.grad = g
        for child, d in zip(node.inputs, node.local_derivatives()):
            contribution = d * g if upstream else d
            if fan_out_adds and child._g is not None:
                child._g += contribution
            else:
                child._g = contribution


def inject_backward(monkeypatch, **faults):
    monkeypatch.setattr(Value, "backward", functools.partialmethod(backward_with_faults, **faults))


def test_reference_backward_without_faults_passes(monkeypatch):
    inject_backward(monkeypatch)
    assert search(gradients_match) is None
    assert search(backward_twice_doubles) is None


def test_correct_engine_passes_central_and_complex():
    assert search(gradients_match) is None
    assert search(functools.partial(gradients_match, method="both")) is None
    assert search(backward_twice_doubles) is None


def test_catches_sign_error_in_sub(monkeypatch):
    monkeypatch.setattr(OPS["sub"], "local", lambda out, a, b: (1.0, 1.0))   # should be -1
    error = search(gradients_match)
    assert error is not None and error.result.mismatches


def test_catches_wrong_tanh_derivative(monkeypatch):
    monkeypatch.setattr(OPS["tanh"], "local", lambda out, a, k: (1.0 - out,))  # 1 - tanh² wanted
    error = search(gradients_match, expressions(ops=["tanh", "add", "mul"]))
    assert error is not None
    # Also over all ops: there tanh is one op of many, and 100 random expressions missed the
    # fault about once in 60 searches; 500 make a miss about as likely as 1 in 10^8.
    assert search(gradients_match, max_examples=500) is not None


def test_catches_missing_accumulation_on_fan_out(monkeypatch):
    inject_backward(monkeypatch, fan_out_adds=False)
    error = search(gradients_match)
    assert error is not None
    assert "FAILED" in str(error)


def test_catches_leaf_grad_overwritten_between_passes(monkeypatch):
    inject_backward(monkeypatch, leaves_add=False)
    assert search(gradients_match) is None            # one pass: gradcheck cannot see it
    assert search(backward_twice_doubles) is not None


def test_chain_rule_check_catches_missing_upstream_factor(monkeypatch):
    x = Value(0.7, label="x")
    outer, inner = (lambda u: u.tanh()), (lambda x: x * x)
    assert check_chain_rule(outer, inner, x)
    inject_backward(monkeypatch, upstream=False)
    result = check_chain_rule(outer, inner, x)
    assert not result and result.mismatches[0].input == "x"


def test_linearity_and_reassociation_catch_fan_out_bug(monkeypatch):
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    f, g = (lambda x, y: x * y), (lambda x, y: x.tanh() + y)
    terms = lambda: [x * y, x, x.tanh(), y * 2.0]          # noqa: E731
    assert check_linearity(f, g, [x, y], 2.0, -3.0)
    assert check_sum_reassociation(terms())
    inject_backward(monkeypatch, fan_out_adds=False)
    assert not check_linearity(f, g, [x, y], 2.0, -3.0)
    assert not check_sum_reassociation(terms())


# ---- gradcheck itself ------------------------------------------------------------------------


def test_gradcheck_passes_and_counts_partials():
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    result = gradcheck(lambda x, y: x * y + x.exp(), [x, y], method="both")
    assert result and result.checked == 4 and result.mismatches == []
    assert str(result).startswith("gradcheck: ok, 0 of 4")


def test_gradcheck_reports_mismatch_with_numbers(monkeypatch):
    monkeypatch.setattr(OPS["sin"], "local", lambda out, a, k: (-math.cos(a),))
    x = Value(0.5, label="x")
    result = gradcheck(lambda x: x.sin(), x)
    assert not result
    (m,) = result.mismatches
    assert (m.input, m.index, m.method) == ("x", None, "central")
    assert m.analytic == -math.cos(0.5)
    assert m.numeric == pytest.approx(math.cos(0.5), rel=1e-9)
    assert m.abs_error == pytest.approx(2 * math.cos(0.5))
    assert m.rel_error == pytest.approx(2.0)
    assert "∂f/∂x: backward gives -0.877582" in str(result)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x.sin(), x, raise_on_failure=True)
    assert isinstance(info.value, AssertionError)
    assert "∂f/∂x" in str(info.value) and info.value.result.mismatches


def test_gradcheck_names_unlabelled_inputs_by_position(monkeypatch):
    monkeypatch.setattr(OPS["mul"], "local", lambda out, a, b: (b, -a))
    result = gradcheck(lambda x, y: x * y, [Value(1.0), Value(2.0)])
    assert isinstance(result, GradcheckResult)
    assert [m.input for m in result.mismatches] == ["inputs[1]"]


def test_gradcheck_leaves_grads_as_found():
    x = Value(3.0)
    x.grad = 7.0
    assert gradcheck(lambda x: x * x, x)
    assert x.grad == 7.0 and x.data == 3.0


def test_complex_step_is_exact():
    x = Value(1.0)
    from autograd.testing.complex_step import complex_partial as _complex_step
    assert _complex_step(lambda x: x.exp(), [x], 0) == math.e
    assert _complex_step(lambda x: (x * x).sin(), [x], 0) == pytest.approx(2 * math.cos(1.0),
                                                                           rel=1e-15)


def test_complex_step_falls_back_when_f_leaves_the_graph():
    x = Value(0.3, label="x")
    result = gradcheck(lambda x: Value(math.exp(x.data)) * x, x, method="complex")
    assert not result                     # the gradient through math.exp is really missing
    assert result.mismatches[0].method == "central"
    assert "used central differences" in str(result)


def test_complex_twins_cover_the_op_table():
    assert set(COMPLEX_TWINS) == set(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
def test_complex_proxy_matches_each_op(name):
    op = OPS[name]
    a, b = 0.8, (3 if name == "powc" else 1.7 if op.arity == 2 else None)
    h = 1e-20
    out = op.forward(a, b)
    bz = complex(b) if op.arity == 2 else b
    z = apply_complex(op, complex(a, h), bz)
    assert z.z.real == out
    assert z.z.imag / h == pytest.approx(op.local(out, a, b)[0], rel=1e-14)


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.arity == 2))
def test_complex_proxy_matches_each_binary_op_in_its_second_operand(name):
    op = OPS[name]
    a, b, h = 0.8, 1.7, 1e-20
    out = op.forward(a, b)
    z = apply_complex(op, complex(a), complex(b, h))
    assert z.z.real == out
    assert z.z.imag / h == pytest.approx(op.local(out, a, b)[1], rel=1e-14)


def test_value_op_complex_value_is_reflected():
    v, c = Value(2.0), ComplexValue(complex(3.0, 1e-20))
    assert (v * c).z == complex(6.0, 2e-20)
    assert (v - c).z == complex(-1.0, -1e-20)
    assert (v ** c).z.real == 8.0


def test_gradcheck_rejects_unknown_method():
    with pytest.raises(ValueError, match="method must be"):
        gradcheck(lambda x: x, Value(1.0), method="backward")


@pytest.mark.parametrize("inputs, error, words", [
    ([2.0], TypeError, ["gradcheck", "inputs[0]", "float 2.0"]),
    ([Value(1.0), "x"], TypeError, ["gradcheck", "inputs[1]", "'x'"]),
    (2.0, TypeError, ["gradcheck", "float 2.0"]),
    ([], ValueError, ["gradcheck", "no inputs"]),
    ((), ValueError, ["gradcheck", "no inputs"]),
])
def test_gradcheck_rejects_bad_inputs_clearly(inputs, error, words):
    # before: [2.0] -> AttributeError deep inside, 2.0 -> "not iterable", [] -> passed (0 checked)
    with pytest.raises(error) as info:
        gradcheck(lambda *xs: xs[0], inputs)
    for word in words:
        assert word in str(info.value)


def test_gradcheck_works_without_hypothesis():
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "from autograd import Value\nfrom autograd.testing import gradcheck, values\n"
            "assert gradcheck(lambda x: x.tanh(), Value(0.3), method='both')\n"
            "try:\n    values()\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install" in out.stdout


class FakeTensor:
    """The duck type gradcheck reads for tensors: flat ``data``, ``shape``, ``grad``."""

    def __init__(self, data, shape):
        self.data, self.shape, self.grad = list(data), tuple(shape), None


class FakeScalar:
    def __init__(self, out, tensor, elements):
        self.data, self._out, self._t, self._elements = [out.data], out, tensor, elements

    def backward(self):
        self._out.backward()
        old = self._t.grad or [0.0] * len(self._elements)
        self._t.grad = [g + e.grad for g, e in zip(old, self._elements)]


def weighted_squares(t, broken_index=None):
    """sum_i (i + 1) · t_i²; the gradient of element ``broken_index`` is dropped."""
    elements = [Value(d) for d in t.data]
    out = Value(0.0)
    for i, e in enumerate(elements):
        out = out + (i + 1) * (e * e if i != broken_index else Value(e.data) ** 2)
    return FakeScalar(out, t, elements)


def test_gradcheck_on_a_tensor_like():
    t = FakeTensor([0.5, -1.0, 2.0, 0.25, 3.0, -2.0], (2, 3))
    assert gradcheck(weighted_squares, [t], method="both")     # complex falls back, noted
    assert t.grad is None and t.data == [0.5, -1.0, 2.0, 0.25, 3.0, -2.0]
    result = gradcheck(lambda t: weighted_squares(t, broken_index=4), t)
    (m,) = result.mismatches
    assert m.where == "inputs[0][1, 1]" and m.analytic == 0.0
    assert m.numeric == pytest.approx(5 * 2 * 3.0, rel=1e-8)


# ---- the strategies ----------------------------------------------------------------------------


@given(floats_in(-2.0, 5.0))
def test_floats_in_stays_inside_the_margin(x):
    assert -2.0 + 7e-3 <= x <= 5.0 - 7e-3 and math.isfinite(x)


def test_a_falsifying_value_prints_its_real_label():
    @settings(database=None, derandomize=True)
    @given(values(-3, 3, label="w"))
    def fails_above_one(w):
        assert w.data < 1

    with pytest.raises(AssertionError) as info:
        fails_above_one()
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "w=Value(1.0, label='w')" in notes, notes          # was: label=label


@given(values(0.5, 3.0, label="w"))
def test_values_are_labelled_leaves(v):
    assert isinstance(v, Value) and v.is_leaf() and v.label == "w" and 0.5 < v.data < 3.0


@given(expressions(ops=["log", "sqrt", "div", "pow"], max_leaves=2, max_nodes=6))
def test_expressions_keep_domains_valid(expr):
    leaves = expr.leaves()
    out = expr(*leaves)                       # no DomainError
    assert set(expr.ops()) <= {"log", "sqrt", "div", "pow", "softplus", "add"}
    assert len(leaves) <= 2 and math.isfinite(out.data)


def test_expressions_share_sub_expressions_and_use_every_op():
    seen_ops, shared = set(), []

    @settings(database=None, max_examples=200)
    @given(expressions())
    def collect(expr):
        seen_ops.update(expr.ops())
        refs = [r for _, a, b in expr.steps for r in (a, b) if isinstance(r, int)]
        shared.append(len(refs) != len(set(refs)))

    collect()
    assert seen_ops == set(OPS)
    assert sum(shared) > len(shared) // 4          # fan-out is common, not a corner case


@given(graphs(max_depth=4))
def test_graphs_give_leaves_and_output(pair):
    leaves, out = pair
    assert all(v.is_leaf() for v in leaves)
    assert math.isfinite(out.data)


@given(tensors(shape=(2, 3)))
def test_tensors_of_a_given_shape(t):
    assert isinstance(t, TensorData) and t.shape == (2, 3) and len(t.data) == 6
    nested = t.nested()
    assert len(nested) == 2 and all(len(row) == 3 for row in nested)
    assert nested[1][2] == t.data[5]


@given(tensors())
def test_tensors_of_drawn_shapes(t):
    assert len(t.data) == math.prod(t.shape) and len(t.shape) <= 3


@given(shapes(min_dims=1, max_dims=2, max_side=3))
def test_shapes_respect_limits(s):
    assert 1 <= len(s) <= 2 and all(1 <= side <= 3 for side in s)


@given(broadcastable_shapes())
def test_broadcastable_shapes_broadcast(pair):
    a, b = pair
    for x, y in zip(reversed(a), reversed(b)):
        assert x == y or 1 in (x, y)


def test_expression_repr_and_replay():
    from autograd.testing import Expression
    expr = Expression([0.5, 2.0], [("mul", 0, 1), ("tanh", 2, None), ("add", 3, 2),
                                   ("powc", 0, ("const", 3)), ("add", 4, 5)], 6)
    assert repr(expr) == "Expression(((tanh((x0 * x1)) + (x0 * x1)) + (x0) ** 3) at x=[0.5, 2.0])"
    x0, x1 = expr.leaves()
    out = expr(x0, x1)
    assert out.data == pytest.approx(math.tanh(1.0) + 1.0 + 0.5 ** 3, rel=1e-15)
    out.backward()
    # x0·x1 is used twice; x0 ** 3 (the constant exponent) adds 3·x0²
    assert x0.grad == pytest.approx((1 - math.tanh(1.0) ** 2 + 1) * 2.0 + 3 * 0.5 ** 2, rel=1e-15)
    assert x1.grad == pytest.approx((1 - math.tanh(1.0) ** 2 + 1) * 0.5, rel=1e-15)
