"""The written-out hot ops (autograd/value_fast.py) are the op table's ops, bit for bit: the same
data, the same local derivatives, the same gradients and the same errors; a number operand
folded into a node reads as a constant leaf once anything looks; and backward keeps PyTorch's
semantics on every kind of graph."""

import math

import pytest

from autograd import OPS, DivisionByZero, DomainError, Value, detect_anomaly, no_grad
from autograd.backprop import LAZY
from autograd.errors import AnomalyError, FloatOverflow
from autograd.testing import check_backward_twice, gradcheck

POINTS = [-3.5, -1.0, -0.25, 0.0, 0.5, 1.0, 2.0, 7.25, 1e-300, -1e300, math.inf, math.nan]
NUMBERS = [2.0, -0.5, 3, 0, 1e-3]


def same(x, y):
    """Equal as floats, NaN equal to NaN, and -0.0 told from 0.0."""
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def table_locals(node):
    """The local derivatives the op table gives for this node's inputs now."""
    return node.local_derivatives()


def stored_locals(node):
    return tuple(d for d in (node._da, node._db) if d is not None)


BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b,
          "mul": lambda a, b: a * b, "div": lambda a, b: a / b}
UNARY = {"neg": lambda a: -a, "tanh": Value.tanh, "relu": Value.relu, "exp": Value.exp,
         "log": Value.log, "sigmoid": Value.sigmoid}


def outcome(f, *args):
    """(data, stored locals, table locals) of f(*args), or the exception type it raises."""
    try:
        with_fast = f(*args)
    except Exception as e:                 # noqa: BLE001 - compared with the table's below
        return type(e)
    folded = with_fast._da is not LAZY
    stored = stored_locals(with_fast) if folded else None
    return with_fast, stored


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_hot_ops_equal_the_table_with_values_and_numbers_on_either_side(name):
    op, f = OPS[name], BINARY[name]
    for a in POINTS:
        for b in POINTS + NUMBERS:
            cases = [(Value(a), Value(b)), (Value(a), b), (a, Value(b))]
            for x, y in cases:
                got = outcome(f, x, y)
                try:
                    want = op.forward(float(a), float(b))
                except Exception as e:     # noqa: BLE001
                    assert got is type(e) or (isinstance(got, type) and
                                              issubclass(got, type(e))), (name, a, b)
                    continue
                node, stored = got
                assert same(node.data, want), (name, a, b)
                if stored is None:
                    continue
                try:
                    local = op.local(want, float(a), float(b))
                except Exception:          # noqa: BLE001 - the table's rule cannot say here
                    continue
                expected = tuple(d for d, v in zip(local, (x, y)) if isinstance(v, Value))
                assert all(map(same, stored, expected)), (name, a, b, stored, expected)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_hot_ops_equal_the_table(name):
    op, f = OPS[name], UNARY[name]
    for a in POINTS:
        got = outcome(f, Value(a))
        try:
            want = op.forward(a, None)
        except Exception as e:             # noqa: BLE001
            assert isinstance(got, type) and issubclass(got, type(e)), (name, a)
            continue
        node, stored = got
        assert same(node.data, want), (name, a)
        if stored is not None:
            assert all(map(same, stored, op.local(want, a, None))), (name, a)


def test_powers_of_numbers_equal_the_table():
    op = OPS["powc"]
    for a in POINTS:
        for k in (2, 2.0, 3, 0.5, -1, -2.5, 0, 0.0, 1):
            try:
                want = op.forward(a, k)
            except Exception as e:         # noqa: BLE001
                with pytest.raises(type(e)):
                    Value(a) ** k
                continue
            try:
                node = Value(a) ** k
            except FloatOverflow:
                continue
            assert same(node.data, want), (a, k)
            if node._da is not LAZY:
                assert same(node._da, op.local(want, a, k)[0]), (a, k)


def test_a_number_operand_is_folded_until_something_looks():
    x = Value(3.0, label="x")
    y = x * 2.0
    assert y._b.__class__ is float and y._a is x            # no constant leaf was made
    r = 1.0 - x
    assert r._a == 1.0 and r._b is x
    (c,) = [u for u in y.inputs if u is not x]             # now a constant leaf, for good
    assert c.is_constant() and c.data == 2.0 and y.inputs == (x, c)
    assert y.arg is None and (x ** 3).arg == 3


def test_gradients_are_the_same_before_and_after_the_constants_are_looked_at():
    def build():
        x = Value(0.7, label="x")
        return x, ((2.0 * x - 1.0) / 3.0 + x * 0.5).tanh() ** 2 - 4.0 / (x + 2)

    x1, y1 = build()
    y1.backward()
    x2, y2 = build()
    from autograd.explain import forward_order
    nodes = forward_order(y2)                               # every folded number unfolded
    constants = [v for v in nodes if v.is_constant()]
    assert sorted(c.data for c in constants) == [0.5, 1.0, 2.0, 2.0, 3.0, 4.0]
    assert all(isinstance(u, Value) for v in nodes for u in (v._a, v._b)
               if v.op is not None and v.op.arity == 2)
    y2.backward()
    assert x1.grad == x2.grad
    t = math.tanh((2 * 0.7 - 1) / 3 + 0.35)
    assert x1.grad == pytest.approx(2 * t * (1 - t * t) * (2 / 3 + 0.5) + 4 / 2.7 ** 2,
                                    rel=1e-14)


def test_unfolded_constants_receive_gradients_as_before():
    x = Value(3.0)
    y = x * 2.0
    (_, c) = y.inputs
    y.backward()
    assert (x.grad, c.grad) == (2.0, 3.0)


def test_errors_of_the_hot_ops_name_the_op_and_the_value():
    x = Value(0.0, label="x")
    with pytest.raises(DivisionByZero, match="div: division by zero"):
        Value(1.0) / x
    with pytest.raises(DivisionByZero, match="div: division by zero"):
        Value(1.0) / 0
    with pytest.raises(DivisionByZero, match="div: division by zero"):
        2.0 / x
    with pytest.raises(DomainError, match=r"log\(\) needs a positive input, got -2.0"):
        Value(-2.0).log()
    with pytest.raises(DomainError, match="negative base"):
        Value(-2.0) ** 0.5
    with pytest.raises(FloatOverflow, match="exp"):
        Value(1000.0).exp()
    with pytest.raises(FloatOverflow, match="pow"):
        Value(1e200) ** 2


def test_no_grad_anomaly_mode_and_patched_rules_take_the_general_form(monkeypatch):
    x = Value(2.0)
    with no_grad():
        assert (x * 3.0).is_leaf() and (x + x).is_leaf() and x.tanh().is_leaf()
    with detect_anomaly():
        y = x * 3.0
        assert y._da is LAZY and y.inputs[1].is_constant()
        with pytest.raises(AnomalyError, match="mul"):
            Value(math.inf) * 0.0
    monkeypatch.setattr(OPS["mul"], "local", lambda out, a, b: (b, -a))
    x, w = Value(2.0), Value(5.0)
    (x * w).backward()
    assert (x.grad, w.grad) == (5.0, -2.0)                # the patched rule is what runs
    monkeypatch.undo()
    x, w = Value(2.0), Value(5.0)
    z = x * w
    assert z._da == 5.0                                    # written-out again
    z.backward()
    assert (x.grad, w.grad) == (5.0, 2.0)


def test_backward_on_an_inner_node_touches_only_what_it_depends_on():
    a, b, c = Value(2.0), Value(3.0), Value(5.0)
    inner = a * b
    outer = inner * c + a
    inner.backward()
    assert (a.grad, b.grad, c.grad, outer.grad) == (3.0, 2.0, 0.0, 0.0)
    outer.backward()
    assert (a.grad, b.grad, c.grad) == (3.0 + 16.0, 2.0 + 10.0, 6.0)


def test_unrelated_graphs_and_graphs_kept_alive_keep_pytorch_semantics():
    x = Value(1.5)
    g1 = (x * x).tanh()                  # two graphs over one leaf, both kept alive
    g2 = x * 4.0 - 1.0
    other = Value(7.0) * 2.0             # an unrelated graph
    g1.backward()
    first = x.grad
    assert first == pytest.approx(2 * 1.5 * (1 - math.tanh(2.25) ** 2), rel=1e-15)
    g2.backward()
    assert x.grad == first + 4.0
    g1.backward()
    assert x.grad == 2 * first + 4.0
    other.backward()
    assert x.grad == 2 * first + 4.0
    assert check_backward_twice(lambda v: (v * 2.0 + 1.0).relu() * v / 3.0, [Value(0.8)])


def test_gradcheck_agrees_on_an_expression_of_every_hot_op():
    def f(x, y):
        return ((x * y - 1.5) / (2.0 + y)).tanh().exp() + (3.0 - x).relu() ** 2 \
            + (x * x + 1).log() - (-y).sigmoid() / x
    assert gradcheck(f, [Value(0.6), Value(-1.3)])
