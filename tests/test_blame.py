"""blame: the node, op, input and formula of a wrong local derivative."""

import math

import pytest
from hypothesis import HealthCheck, given, settings

from autograd import OPS, Value, ops, register_op, unregister_op
from autograd.testing import blame, check_rule, gradcheck, graphs
from autograd.testing.mutants import mutants


@pytest.fixture
def wrong_cube():
    """The README's custom op with d(a³)/da written as 3·a."""
    cube = ops.op("cube", arity=1, expr="a³", derivs=("3·a",), forward=lambda a, k: a ** 3,
                  local=lambda out, a, k: (3 * a,))
    register_op(cube)
    yield cube
    unregister_op(cube)


def test_blame_names_the_readme_cube(wrong_cube):
    x = Value(1.4, label="x")
    L = (x.cube() * 2.0).tanh()
    (finding,) = blame(L)
    assert (finding.op, finding.input, finding.formula) == ("cube", 0, "3·a")
    assert finding.analytic == pytest.approx(4.2, rel=1e-15)
    assert finding.numeric == pytest.approx(5.88, rel=1e-9)
    assert finding.at == (1.4, None) and finding.node.op.name == "cube"
    assert "cube, input a: the rule ∂/∂a = 3·a gives 4.2" in str(finding)


def test_blame_searches_other_points_when_the_rule_is_right_at_the_recorded_one(wrong_cube):
    L = Value(1.0).cube().sin()           # 3·1 = 3·1²: right here
    assert blame(L) == []
    (finding,) = blame(L, search=50)
    assert (finding.op, finding.input, finding.formula, finding.node) == ("cube", 0, "3·a", None)
    assert finding.searched and not math.isclose(finding.analytic, finding.numeric)


def test_gradcheck_failure_carries_blame(wrong_cube):
    result = gradcheck(lambda x: x.cube().tanh(), [Value(1.4, label="x")])
    assert not result
    assert [(f.op, f.formula) for f in result.findings] == [("cube", "3·a")]
    assert "blame" in str(result) and "cube, input a" in str(result)
    assert gradcheck(lambda x: x.cube().tanh(), [Value(1.4)], blame=False).findings == []


def test_blame_says_when_every_rule_agrees_but_gradients_do_not(monkeypatch):
    monkeypatch.setattr(Value, "backward", lambda self, grad=1.0: None)   # an engine bug
    result = gradcheck(lambda x: x.sin(), [Value(0.3)])
    assert not result and result.findings == []
    assert "every node's local derivatives agree" in str(result)


def test_blame_refuses_what_is_not_a_scalar_graph():
    from autograd import Tensor
    with pytest.raises(TypeError, match="for Tensors use gradcheck"):
        blame(Tensor([1.0, 2.0], requires_grad=True).sum())


def test_blame_skips_kinks_and_checks_nary_nodes():
    assert check_rule(OPS["relu"], 0.0) == []            # no derivative at the kink
    assert check_rule(OPS["max"], 1.0, 1.0) == []
    w, x = [Value(0.5), Value(-2.0)], [Value(1.5), Value(3.0)]
    from autograd import dot
    assert blame(dot(w, x, Value(0.1)).tanh()) == []


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(max_nodes=10))
def test_blame_names_nothing_for_the_correct_table(pair):
    _, out = pair
    assert blame(out) == []


RULE_MUTANTS = [m for m in mutants(kinds=("sign", "dropped", "other"))]


@pytest.mark.parametrize("m", RULE_MUTANTS, ids=lambda m: m.name)
def test_blame_names_exactly_the_mutated_op_input_and_formula(m):
    """Every single-op mutant inserted into random graphs: the findings are exactly the nodes of
    the mutated op where the wrong rule differs from the right one, each naming the op, the
    input and the (wrong) formula."""
    op = OPS[m.op]
    others = ["add", "mul", "tanh"] if m.op != "tanh" else ["add", "mul", "sin"]
    hits = []

    @settings(max_examples=25, database=None, suppress_health_check=list(HealthCheck))
    @given(graphs(ops=[m.op, m.op] + others, max_nodes=8))
    def run(pair):
        _, out = pair
        from autograd.engine import topological_order
        expected = set()
        for node in topological_order(out):
            if node.op is op:
                a, b = node.inputs[0].data, (node.inputs[1].data if op.arity == 2 else node.arg)
                right = check_rule(op, a, b)            # the right rule agrees everywhere
                assert right == []
                with m:
                    if check_rule(op, a, b):
                        expected.add(id(node))
        with m:
            found = blame(out)
        assert {(f.op, f.input, f.formula) for f in found} <= {(m.op, m.input, m.formula)}
        assert {id(f.node) for f in found} == expected
        hits.append(bool(found))

    run()
    assert any(hits), f"{m.name}: no generated graph showed the mutant"


@pytest.mark.parametrize("m", mutants(kinds=("point",)), ids=lambda m: m.name)
def test_blame_finds_a_point_mutant_at_its_point_and_by_search(m):
    op = OPS[m.op]
    p = float(m.formula.rsplit("= ", 1)[1].rstrip(")"))
    other = 1.5 if op.arity == 2 else (2 if op.name == "powc" else None)
    a, b = (p, other) if m.input == 0 else (other, p)
    if op.name == "pow" and m.input == 1:
        a = 1.5
    inputs = [Value(a)] + ([Value(b)] if op.arity == 2 else [])
    L = (inputs[0] ** b if op.name == "powc" else
         getattr(inputs[0], op.method)(*inputs[1:]) if op.method else
         _by_operator(op, inputs))
    assert blame(L) == []
    with m:
        found = blame(L)
        searched = blame(_away(op), search=20)
    if op.valid is not None and not op.valid(a, b):     # |a| at 0: a kink, no derivative
        assert found == []                              # to compare (a convention's test
        return                                          # kills it: test_op_derivatives_at_...)
    assert [(f.op, f.input, f.formula) for f in found] == [(m.op, m.input, m.formula)]
    assert any(f.searched and (f.op, f.input) == (m.op, m.input) for f in searched)


def _by_operator(op, inputs):
    import operator
    return getattr(operator, op.dunder)(*inputs)


def _away(op):
    """The op at a point away from the mutant's (blame needs search to find it)."""
    a, b = 0.37, (1.7 if op.arity == 2 else (2 if op.name == "powc" else None))
    inputs = [Value(a)] + ([Value(b)] if op.arity == 2 else [])
    if op.name == "powc":
        return inputs[0] ** b
    return getattr(inputs[0], op.method)(*inputs[1:]) if op.method else _by_operator(op, inputs)


def test_explain_blamed_marks_the_row_of_the_wrong_rule():
    from autograd.testing import explain_blamed, mutant
    x = Value(1.4, label="x")
    with mutant("tanh.a.dropped"):
        text = explain_blamed((x * 2.0).tanh())
    marked = [line for line in text.splitlines() if "◀ blame" in line]
    assert len(marked) == 1
    assert "∂tanh(n1)/∂n1 = 1 - tanh(n1)" in marked[0]
    assert f"central difference {1 - math.tanh(2.8) ** 2:.6g}" in marked[0]
    assert "◀" not in explain_blamed((x * 2.0).tanh())


def test_a_failure_at_a_kink_points_to_the_numerical_estimate_too():
    """relu at 1e-7 with a step of 1e-6 straddles the kink: backward is right (2), the central
    difference is not (1.1); blame skips the node, and the report must not blame the engine
    alone."""
    result = gradcheck(lambda x: x.relu() * 2.0, [Value(1e-7)])
    assert not result
    assert "the numerical estimate is off at this point" in str(result)
