"""The n-ary ops ``dot`` (b + Σ wᵢ·xᵢ) and ``add_n`` (Σ aᵢ): one node, the same math."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import ShapeError, Value, add_n, dot, no_grad
from autograd.backprop import LAZY
from autograd.explain import explain
from autograd.forward import Dual
from autograd.testing import check_backward_twice, floats_in, gradcheck


def test_dot_exact_value_gradients_and_one_node():
    w1, w2, x1, x2, b = (Value(v, label=n) for v, n in
                         ((2.0, "w1"), (-3.0, "w2"), (0.5, "x1"), (4.0, "x2"), (1.0, "b")))
    z = dot([w1, w2], [x1, x2], b)
    assert z.data == 2.0 * 0.5 + (-3.0) * 4.0 + 1.0 == -10.0
    assert z.inputs == (w1, w2, x1, x2, b)          # one node, five inputs
    assert z.local_derivatives() == (0.5, 4.0, 2.0, -3.0, 1.0)
    z.backward()
    assert [v.grad for v in (w1, w2, x1, x2, b)] == [0.5, 4.0, 2.0, -3.0, 1.0]


def test_dot_with_the_same_value_twice_accumulates_fan_out():
    p = Value(3.0)
    sq = dot([p], [p])                                  # p·p
    sq.backward()
    assert (sq.data, p.grad) == (9.0, 6.0)              # ∂(p·p)/∂p = p + p


def test_add_n_is_one_node_with_unit_derivatives():
    xs = [Value(float(i)) for i in range(5)]
    s = add_n([x * x for x in xs])
    assert s.data == 0 + 1 + 4 + 9 + 16
    assert s.local_derivatives() == (1.0,) * 5
    s.backward()
    assert [x.grad for x in xs] == [0.0, 2.0, 4.0, 6.0, 8.0]


@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.lists(floats_in(-2, 2), min_size=n, max_size=n),
    st.lists(floats_in(-2, 2), min_size=n, max_size=n), floats_in(-2, 2))))
def test_dot_equals_the_binary_graph_it_replaces(case):
    ws, xs, b = case
    fused = [Value(v) for v in ws + xs + [b]]
    plain = [Value(v) for v in ws + xs + [b]]
    n = len(ws)
    out1 = dot(fused[:n], fused[n:2 * n], fused[-1]).tanh()
    out2 = (sum((w * x for w, x in zip(plain[:n], plain[n:2 * n])), plain[-1])).tanh()
    out1.backward()
    out2.backward()
    assert out1.data == pytest.approx(out2.data, rel=1e-12, abs=1e-12)
    for u, v in zip(fused, plain):
        assert u.grad == pytest.approx(v.grad, rel=1e-12, abs=1e-12)


@given(st.lists(floats_in(-2, 2), min_size=2, max_size=8))
def test_dot_and_add_n_pass_gradcheck_and_backward_twice(data):
    half = len(data) // 2
    leaves = [Value(v, label=f"v{i}") for i, v in enumerate(data)]

    def f(*vs):
        return add_n([dot(vs[:half], vs[half:2 * half]).sigmoid(), *(v * v for v in vs)])

    gradcheck(f, leaves, method="both", raise_on_failure=True)
    check_backward_twice(f, leaves, raise_on_failure=True)


def test_explain_spells_out_a_dot_node_and_its_totals_equal_backward():
    w, x, b = Value(0.5, label="w"), Value(-2.0, label="x"), Value(0.25, label="b")
    L = dot([w], [x], b).tanh()
    e = explain(L)
    step = e.step(L.inputs[0])
    assert step.expr == "w * x + b"
    assert step.name == "n1"
    assert [t.named for t in step.terms] == [     # by the node's name: n1 = w * x + b
        "∂n1/∂w = x", "∂n1/∂x = w", "∂n1/∂b = 1"]
    assert [t.formula for t in step.terms] == [
        "∂(Σ wᵢ·xᵢ + b)/∂w1 = x1", "∂(Σ wᵢ·xᵢ + b)/∂x1 = w1", "∂(Σ wᵢ·xᵢ + b)/∂b = 1"]
    L.backward()
    assert [e.grad(v) for v in (w, x, b)] == [w.grad, x.grad, b.grad]
    assert "w_{1}" not in e.to_latex() and r"w \cdot x + b" in e.to_latex()


def test_dot_falls_back_to_plain_operators_for_forward_mode_duals():
    ws = [Dual(2.0, 1.0), Dual(-1.0, 0.0)]
    z = dot(ws, [3.0, 5.0], Dual(1.0, 0.0))             # ∂z/∂w1 = x1 = 3
    assert (z.value, z.tangent) == (2.0 * 3.0 - 5.0 + 1.0, 3.0)


def test_no_grad_builds_no_n_ary_graph():
    with no_grad():
        z = dot([Value(1.0)], [Value(2.0)], 3.0)
        s = add_n([Value(1.0), 2.0])
    assert (z.data, z.inputs, s.data, s.inputs) == (5.0, (), 3.0, ())


def test_n_ary_errors_name_the_op_and_the_problem():
    with pytest.raises(ShapeError, match="dot: 2 weights but 1 inputs"):
        dot([Value(1.0), Value(2.0)], [Value(1.0)])
    with pytest.raises(ShapeError, match="dot: needs at least one"):
        dot([], [])
    with pytest.raises(ShapeError, match="add_n: needs at least one value"):
        add_n([])
    with pytest.raises(TypeError, match="add_n: unsupported operand 'x'"):
        add_n([Value(1.0), "x"])


class _Stored(float):
    """A stored local derivative that notes its node when backward multiplies it."""

    def __new__(cls, x, node, seen):
        self = super().__new__(cls, x)
        self.node, self.seen = node, seen
        return self

    def __mul__(self, other):
        entry = (self.node.op.name, self.node.data)
        if not self.seen or self.seen[-1] != entry:
            self.seen.append(entry)
        return float(self) * other


def test_explain_replays_backward_exactly_on_n_ary_nodes_with_repeated_inputs(monkeypatch):
    """The order backward() processes nodes and adds contributions is the order explain shows:
    recorded by spying on the op table's local derivatives during a real backward()."""
    from autograd import ops

    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    L = add_n([dot([x, y, x], [y, x, x], 0.25).tanh(), x * y, y])
    e = explain(L)
    seen = []
    for op in (ops.DOT, ops.ADD_N, ops.OPS["tanh"], ops.OPS["mul"]):
        real = op.local
        monkeypatch.setattr(op, "local", lambda out, *a, _f=real, _n=op.name: (
            seen.append((_n, out)), _f(out, *a))[1])
    for s in e.backward:        # the hot ops' derivatives, stored in the forward pass: spied on
        v = s.node                # when backward multiplies them (the table is not asked)
        if v.op is not None and v._da is not LAZY:
            v._da = _Stored(v._da, v, seen)
            v._db = None if v._db is None else _Stored(v._db, v, seen)
    L.backward()
    processed = [(s.node.op.name, s.node.data) for s in e.backward if s.node.op is not None]
    assert seen == processed                                     # same nodes, same order
    assert (e.grad(x), e.grad(y)) == (x.grad, y.grad)            # same sums, bit for bit
