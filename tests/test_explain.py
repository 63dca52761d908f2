"""explain(): the backward pass as data, in the engine's order, equal to backward()."""

import math

import pytest
from hypothesis import given

from autograd import OPS, Value
from autograd.backprop import LAZY
from autograd.engine import backward_order
from autograd.explain import explain, explain_update, fmt, forward_order, names
from autograd.testing import graphs


def leaves(*pairs):
    return [Value(v, label=n) for n, v in pairs]


# ---- hand-derived numbers -------------------------------------------------------------------

def test_sum_of_squares_at_minus_five_gives_minus_ten():
    x, y = leaves(("x", -5.0), ("y", -5.0))
    f = x ** 2 + y ** 2
    e = explain(f)
    assert (e.grad(x), e.grad(y)) == (-10.0, -10.0)
    assert e.grad(f) == 1.0
    assert f.data == 50.0
    first = e.backward[0]
    assert first.node is f and first.upstream == 1.0
    assert [(t.name, t.local, t.product, t.before, t.after) for t in first.terms] == \
        [("n1", 1.0, 1.0, 0.0, 1.0), ("n2", 1.0, 1.0, 0.0, 1.0)]
    square = e.backward[1]
    assert square.name == "n1" and square.expr == "x ** 2"
    (t,) = square.terms
    assert t.formula == "∂(a ** k)/∂a = k·a**(k-1)"
    assert t.named == "∂(x ** 2)/∂x = 2·x**(2-1)"
    assert (t.local, t.product, t.after) == (-10.0, -10.0, -10.0)


def test_tanh_neuron_loss_steps_and_formulas():
    w, x, b, y = leaves(("w", -1.2), ("x", 0.5), ("b", 0.3), ("y", 1.0))
    L = ((w * x + b).tanh() - y) ** 2
    e = explain(L)
    assert [s.name for s in e.backward] == ["n5", "n4", "n3", "n2", "n1", "w", "x", "b", "y"]
    assert [s.name for s in e.forward] == ["w", "x", "n1", "b", "n2", "n3", "y", "n4", "n5"]
    t = math.tanh(-0.3)
    d_n4 = 2 * (t - 1.0)                  # ∂(n4²)/∂n4 = 2·n4
    d_n2 = d_n4 * (1 - t * t)             # tanh' = 1 - tanh²
    steps = {s.name: s for s in e.backward}
    assert steps["n5"].terms[0].local == 2 * (t - 1.0)
    assert steps["n4"].upstream == d_n4
    assert [(u.name, u.local, u.product) for u in steps["n4"].terms] == \
        [("n3", 1.0, d_n4), ("y", -1.0, -d_n4)]
    tanh_term = steps["n3"].terms[0]
    assert tanh_term.formula == "∂(tanh(a))/∂a = 1 - tanh(a)²"
    assert tanh_term.named == "∂tanh(n2)/∂n2 = 1 - tanh(n2)²"
    assert tanh_term.local == 1 - t * t and tanh_term.product == d_n2
    mul = steps["n1"]
    assert mul.expr == "w * x"
    assert [(u.named, u.local, u.product) for u in mul.terms] == \
        [("∂(w * x)/∂w = x", 0.5, d_n2 * 0.5), ("∂(w * x)/∂x = w", -1.2, d_n2 * -1.2)]
    assert (e.grad(w), e.grad(x), e.grad(b), e.grad(y)) == \
        (d_n2 * 0.5, d_n2 * -1.2, d_n2, -d_n4)


def test_fan_out_accumulation_is_visible_step_by_step():
    x = Value(2.0, label="x")
    f = x * x + x
    e = explain(f)
    add, mul, leaf = e.backward
    assert [(t.name, t.product, t.before, t.after) for t in add.terms] == \
        [("n1", 1.0, 0.0, 1.0), ("x", 1.0, 0.0, 1.0)]
    assert [(t.name, t.product, t.before, t.after) for t in mul.terms] == \
        [("x", 2.0, 1.0, 3.0), ("x", 2.0, 3.0, 5.0)]
    assert mul.terms[1].update == "x.grad += 2.0 → 5.0"
    assert leaf.node is x and leaf.op is None and leaf.upstream == 5.0
    assert e.grad(x) == 5.0                 # d/dx (x² + x) = 2x + 1


def test_forward_pass_as_data():
    w, x = leaves(("w", -1.2), ("x", 0.5))
    e = explain((w * x + 1).tanh())
    rows = [(s.name, s.kind, s.expr, s.numbers, s.value) for s in e.forward]
    assert rows == [
        ("w", "input", "", "", -1.2), ("x", "input", "", "", 0.5),
        ("n1", "computed", "w * x", "-1.2 * 0.5", -0.6),
        ("c1", "constant", "", "", 1.0),
        ("n2", "computed", "n1 + c1", "-0.6 + 1.0", -0.6 + 1.0),
        ("n3", "output", "tanh(n2)", "tanh(0.4)", math.tanh(-0.6 + 1.0))]


def test_seed_scales_every_gradient():
    x = Value(3.0, label="x")
    assert explain(x * x, grad=0.5).grad(x) == 3.0


# ---- names --------------------------------------------------------------------------------------

def test_names_number_unlabelled_values_in_topological_order_and_skip_taken_names():
    a = Value(1.0, label="n1")
    b = Value(2.0)
    out = (a * b).exp()
    got = names(out)
    assert [got[v] for v in forward_order(out)] == ["n1", "c1", "n2", "n3"]


def test_repeated_labels_get_a_suffix():
    a, b = Value(1.0, label="w"), Value(2.0, label="w")
    got = names(a + b)
    assert sorted(got.values()) == ["n1", "w", "w#2"]


# ---- order and totals equal the engine ----------------------------------------------------------

class _Tag(float):
    """A float that remembers its node: Value.backward passes node.data to op.local."""

    def __new__(cls, x, node, log):
        self = super().__new__(cls, x)
        self.node, self.log = node, log
        return self

    def __add__(self, other):          # `leaf.grad += g` is the engine processing a leaf
        self.log.append(self.node)
        return float(self) + other


class _LocalTag(float):
    """A local derivative the forward pass stored in its node (the hot ops do): the engine
    multiplies it by the node's gradient when it processes that node."""

    def __new__(cls, x, node, log):
        self = super().__new__(cls, x)
        self.node, self.log = node, log
        return self

    def __mul__(self, other):
        if not self.log or self.log[-1] is not self.node:     # once per node (∂/∂a and ∂/∂b)
            self.log.append(self.node)
        return float(self) * other


def record_engine_order(root, monkeypatch):
    """Run Value.backward and record which node it processes at each step: a leaf when it
    accumulates ``.grad``, a node whose op the table is asked for its local derivatives, a
    node whose local derivatives are stored when they are used."""
    log = []
    for v in forward_order(root):
        if v.is_leaf():
            v.grad = _Tag(0.0, v, log)
        else:
            v.data = _Tag(v.data, v, log)
            if v._da is not LAZY:
                v._da = None if v._da is None else _LocalTag(v._da, v, log)
                v._db = None if v._db is None else _LocalTag(v._db, v, log)
    for op in OPS.values():
        def spy(out, a, b, _local=op.local):
            log.append(out.node)
            return _local(out, a, b)
        monkeypatch.setattr(op, "local", spy)
    root.backward()
    monkeypatch.undo()
    return log


@given(graphs(max_nodes=12))
def test_steps_follow_exactly_the_order_value_backward_processes_nodes(graph):
    _, root = graph
    expected = list(backward_order(root))
    with pytest.MonkeyPatch.context() as mp:
        recorded = record_engine_order(root, mp)
    assert recorded == expected
    assert [s.node for s in explain(root).backward] == expected


def test_engine_order_recorder_sees_every_step_on_a_fan_out_graph(monkeypatch):
    x, y = leaves(("x", 1.5), ("y", -0.5))
    root = (x * y + x).tanh() * y
    assert record_engine_order(root, monkeypatch) == list(backward_order(root))


@given(graphs(max_nodes=12))
def test_explained_totals_equal_grads_after_backward_exactly(graph):
    _, root = graph
    e = explain(root)
    assert all(v.grad == 0.0 for v in forward_order(root))      # nothing written
    root.backward()
    for v in forward_order(root):
        assert e.grad(v) == v.grad
    for s in e.backward:          # each step's upstream is the complete gradient of its node
        assert s.upstream == s.node.grad


def test_explain_leaves_existing_grads_alone_unless_applied():
    x = Value(2.0, label="x")
    f = x * x
    f.backward()
    assert x.grad == 4.0
    explain(f)
    assert (x.grad, f.grad) == (4.0, 1.0)
    explain(f, apply=True)
    assert (x.grad, f.grad) == (8.0, 1.0)      # leaves accumulate, exactly like backward()


def test_explain_does_not_disturb_a_later_backward():
    x, x2 = Value(0.7, label="x"), Value(0.7, label="x")
    f = (x * x).sin()
    explain(f)
    f.backward()
    (x2 * x2).sin().backward()
    assert x.grad == x2.grad
    assert x.grad == pytest.approx(math.cos(0.49) * 1.4, rel=1e-15)


# ---- renderers ----------------------------------------------------------------------------------

@pytest.fixture
def neuron():
    w, x, b = leaves(("w", -1.2), ("x", 0.5), ("b", 0.3))
    return explain((w * x + b).tanh())


def test_text_has_aligned_columns_and_every_number(neuron):
    text = neuron.to_text()
    assert "n1  =  w * x     =  -1.2 * 0.5  = -0.6" in text
    assert "∂tanh(n2)/∂n2 = 1 - tanh(n2)²" in text
    assert "∂L/∂x = -1.09816" in text
    assert "∂L/∂w = 0.457568" in text
    header = next(line for line in text.splitlines() if line.startswith("step"))
    row = next(line for line in text.splitlines() if line.startswith("3 "))
    assert header.index("local derivative") == row.index("∂(w * x)/∂w")
    assert str(neuron) == text


def test_markdown_is_a_table_with_escaped_pipes():
    x = Value(-2.0, label="x")
    md = explain(abs(x) * 3).to_markdown()
    assert "| step | node | ∂L/∂node |" in md
    assert "\\|x\\|" in md                     # |x| must not split the table's cells
    assert "| 2 | n1 | 3.0 | ∂(\\|x\\|)/∂x = sign(x) | -1.0 | -3.0 | ∂L/∂x = -3.0 |" in md


def test_latex_for_notebooks(neuron):
    tex = neuron.to_latex()
    assert tex.startswith(r"\begin{aligned}") and tex.endswith(r"\end{aligned}")
    assert r"n_{1} &= w \cdot x = -0.6" in tex
    assert r"\frac{\partial (w \cdot x)}{\partial w} = x" in tex
    assert r"0.915137 \cdot (-1.2) = -1.09816" in tex
    assert neuron._repr_latex_() == "$$" + tex + "$$"
    assert neuron._repr_markdown_() == neuron.to_markdown()


def test_readme_example_table_fits_100_columns(neuron):
    text = neuron.to_text()
    assert max(map(len, text.splitlines())) <= 100
    assert "1     n3    1.0       ∂tanh(n2)/∂n2 = 1 - tanh(n2)²  0.915137  0.915137      " \
        "∂L/∂n2 = 0.915137" in text


def test_labelled_leaves_are_inputs_unless_params_say_parameters():
    w, x = leaves(("w", -1.2), ("x", 0.5))
    c = Value(2.0)
    out = w * x * c
    assert [s.kind for s in explain(out).forward if s.op is None] == \
        ["input", "input", "constant"]
    e = explain(out, params=[w])
    assert [(s.name, s.kind) for s in e.forward if s.op is None] == \
        [("w", "parameter"), ("x", "input"), ("c1", "constant")]
    assert "x   =  0.5" in e.to_text() and "parameter" not in \
        next(line for line in e.to_text().splitlines() if line.startswith("x "))


def test_leaf_row_says_the_total_is_complete_not_a_second_addition(neuron):
    rows = neuron.to_text().splitlines()
    w_rows = [r for r in rows if "∂L/∂w" in r]
    # once as the contribution arrives, once as the leaf's note (no number), once in the summary
    assert w_rows[0].endswith("∂L/∂w = 0.457568")
    assert w_rows[1] == ("4     w     0.457568  leaf: ∂L/∂w is complete; backward() adds it "
                         "to w.grad")
    assert "w.grad +=" not in neuron.to_text()


def test_fan_out_running_total_reads_as_a_sum():
    x = Value(2.0, label="x")
    e = explain(x * x + x)
    assert [t.nth for s in e.backward for t in s.terms if t.input is x] == [1, 2, 3]
    text = e.to_text()
    assert "∂L/∂x = 1.0" in text
    assert "∂L/∂x = 1.0 + 2.0 = 3.0" in text and "∂L/∂x = 3.0 + 2.0 = 5.0" in text
    y = Value(1.0, label="y")
    assert "∂L/∂y = -1.0 + (-1.0) = -2.0" in explain(-y - y).to_text()


def test_a_labelled_output_names_the_derivatives_as_the_notebooks_write_them():
    w, x = leaves(("w", -1.2), ("x", 0.5))
    o = (w * x).tanh()
    o.label = "o"
    e = explain(o)
    assert e.out_name == "o"
    text = e.to_text()
    assert "∂L" not in text
    assert "forward pass (inputs first; o is the output)" in text
    assert "seed ∂o/∂o = 1.0" in text and "step  node  ∂o/∂node" in text
    assert "gradients: ∂o/∂w = " in text
    assert r"\frac{\partial o}{\partial w}" in e.to_latex()
    assert "∂o/∂node" in e.to_markdown()
    assert explain(w * x).out_name == "L"


def test_explain_size_is_linear_in_a_wide_n_ary_node():
    # Each term of an add_n/dot node used to repeat the whole expanded sum, and the text table
    # padded every row to that sum: 2,000 inputs gave 94 MB of text (4,000: a 3.2 GB peak).
    import tracemalloc
    from autograd import add_n, dot

    n = 2000
    xs = [Value(float(i)) for i in range(n)]
    tracemalloc.start()
    try:
        e = explain(add_n(xs))
        sizes = [len(e.to_text()), len(e.to_markdown()), len(e.to_latex())]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert max(sizes) < 400 * n                     # a few lines of ~100 characters per input
    assert peak < 40e6                              # bytes; about 7 MB measured
    assert e.step(e.output).terms[5].named == "∂n1/∂c6 = 1"
    ws = [Value(0.5, label=f"w{i}") for i in range(784)]
    neuron = explain(dot(ws, [1.0] * 784).tanh())
    assert len(neuron.to_text()) < 300 * 2 * 784      # was 64.5 MB


def test_fmt_keeps_a_decimal_point():
    assert [fmt(-10.0), fmt(0.1 - 0.1 * 0.0084), fmt(1e-7), fmt(2.5)] == \
        ["-10.0", "0.09916", "1e-07", "2.5"]


# ---- parameter updates --------------------------------------------------------------------------

def test_update_shows_the_numbers_of_gradient_descent():
    w = Value(0.1, label="w")
    w.grad = 0.0084
    (u,) = explain_update([w], lr=0.1)
    assert u.after == 0.1 - 0.1 * 0.0084
    assert u.text() == "w ← w − η·∂L/∂w = 0.1 − 0.1·0.0084 = 0.09916"
    assert w.data == 0.1                              # not applied
    ups = explain_update({"w": w}, lr=0.1, apply=True)
    assert w.data == 0.1 - 0.1 * 0.0084
    assert r"w &\leftarrow w - \eta\,\frac{\partial L}{\partial w} = 0.1 - 0.1 \cdot 0.0084" \
        in ups.to_latex()
    assert ups.to_markdown().startswith("- `w ← w")


def test_update_parenthesises_a_negative_gradient():
    p = Value(-1.2)
    p.grad = -2.0
    assert explain_update([p], 0.5).to_text() == "p1 ← p1 − η·∂L/∂p1 = -1.2 − 0.5·(-2.0) = -0.2"


def test_digits_apply_to_the_forward_numbers_column():
    # The numbers column used to be formatted once with 6 digits, whatever to_text asked for.
    w, x = leaves(("w", -1.23456789), ("x", 0.5))
    e = explain(w * x)
    assert "-1.23 * 0.5" in e.to_text(digits=3)
    assert "-1.23457" not in e.to_text(digits=3)
    assert "-1.23 * 0.5" in e.to_markdown(digits=3)
    assert "-1.23457 * 0.5" in e.to_text()


def test_digits_apply_to_nary_forward_numbers():
    from autograd import dot
    ws = leaves(("w1", -1.23456789), ("w2", 2.0))
    xs = leaves(("x1", 0.5), ("x2", 1.0))
    e = explain(dot(ws, xs))
    assert "(-1.23) * 0.5 + 2.0 * 1.0" in e.to_text(digits=3)


@pytest.mark.parametrize("bad", [3.0, "x", None])
def test_explain_of_a_non_value_is_a_clear_operand_error(bad):
    from autograd.errors import OperandError
    with pytest.raises(OperandError, match=f"explain: expected a Value, got {bad!r}"):
        explain(bad)


@pytest.mark.parametrize("seed", [Value(2.0), "2", None])
def test_explain_checks_its_seed_like_backward(seed):
    from autograd.errors import OperandError
    x = Value(1.0, label="x")
    with pytest.raises(OperandError, match="takes a number"):
        (x * x).backward(seed)
    with pytest.raises(OperandError, match=r"explain\(grad=...\) takes a number"):
        explain(x * x, grad=seed)
