"""The benchmark anchors compute what they claim: the microgpt-style Value's gradients are
chainrule's, the hand-tuned step trains exactly like the Tensor engine (up to rounding), and
engines are interleaved in rotated order."""

import importlib.util
import os
import sys

import pytest

from autograd import Value

BENCH = os.path.join(os.path.dirname(__file__), "..", "benchmarks")


def _load(name):
    if BENCH not in sys.path:
        sys.path.insert(0, BENCH)
    spec = importlib.util.spec_from_file_location(f"{name}_under_test",
                                                  os.path.join(BENCH, f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_microgpt_value_gives_chainrules_gradients_on_the_benchmark_graph():
    gpt = _load("microgpt_value").Value
    scalar = _load("bench_scalar")
    seq = scalar.op_sequence(300, seed=3)
    outs = {}
    for V in (Value, gpt):
        out, n = scalar.build_graph(V, seq)
        out.backward()
        outs[V] = out
    ours, theirs = outs[Value], outs[gpt]
    assert ours.data == theirs.data
    mine = [c for c in _leaves(ours)]
    yours = [c for c in _leaves(theirs)]
    assert len(mine) == len(yours) > 0
    for a, b in zip(mine, yours):
        assert a.grad == pytest.approx(b.grad, rel=1e-12, abs=1e-12)


def _leaves(out):
    """The benchmark's 64 variable leaves, in creation order (the first 64 nodes reached whose
    data does not come from an op), found by walking the graph."""
    seen, stack, found = set(), [out], []
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        kids = v._prev if isinstance(v, Value) else v._children
        if not kids and abs(v.data) >= 0.5 and v.data not in (0.5,):
            found.append(v)
        stack.extend(kids)
    return sorted(found, key=lambda v: v.data)


def test_microgpt_value_derivatives_of_each_op():
    V = _load("microgpt_value").Value
    x = V(0.7)
    y = (x * x + 3.0) ** 2 - x.exp() / (1.0 + x.tanh()) + x.log() - (-x).relu()
    y.backward()
    import math
    t = math.tanh(0.7)
    d = (2 * (0.49 + 3.0) * 1.4 - (math.exp(0.7) * (1 + t) - math.exp(0.7) * (1 - t * t))
         / (1 + t) ** 2 + 1 / 0.7)
    assert x.grad == pytest.approx(d, rel=1e-12)


def test_handtuned_step_trains_like_the_tensor_engine():
    tensor = _load("bench_tensor")
    rows, labels, _ = tensor.load(96, synthetic=0.19)
    weights = tensor.init_weights(16)
    run = (rows, labels, weights, 16, 32, 0.1, "tanh")
    loss_c, _ = tensor.epoch_chainrule(*run)
    loss_h, _, _ = tensor.epoch_handtuned(*run)
    assert loss_h == pytest.approx(loss_c, rel=1e-12)
    net = _load("handtuned_mlp").HandTuned(tensor.init_weights(16), 16)
    first = net.step(rows[:32], labels[:32], 0.1)
    again = net.step(rows[:32], labels[:32], 0.1)
    assert again < first                # a step on the same batch lowers its loss


def test_interleaved_rotates_the_order_every_round():
    calls = []
    runners = {k: (lambda k=k: calls.append(k) or k) for k in "ABC"}
    results = _load("bench_scalar").interleaved(runners, 4)
    assert calls == list("ABC" "BCA" "CAB" "ABC")
    assert results == {"A": ["A"] * 4, "B": ["B"] * 4, "C": ["C"] * 4}


def test_ab_runs_the_revisions_code_never_this_checkouts(tmp_path):
    """ab.py's workloads import bench_scalar/bench_mlp from this checkout; those must not put
    this checkout's autograd first on sys.path (they did: every A/B of graph and mlp compared
    the working tree with itself)."""
    ab = _load("ab")
    root = os.path.dirname(BENCH)
    tree = tmp_path / "rev"
    tree.mkdir()
    for pkg in ("autograd", "nn"):
        os.symlink(os.path.join(root, pkg), tree / pkg)
    assert ab.run(ab.program("mlp"), str(tree)) > 0          # the revision's own packages
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit, match="workload failed"):  # none there: it must fail,
        ab.run(ab.program("mlp"), str(empty))                 # not fall back to ours


def test_bench_workers_runs_both_worker_counts_and_reports_the_ratio(capsys):
    """A tiny run of the interleaved 1-vs-N script (its figures are for a quiet machine)."""
    bench = _load("bench_workers")
    bench.main(["--case", "digits", "--rounds", "2", "--", "--limit", "128", "--test-limit", "64",
                "--epochs", "1", "--hidden", "8", "--batch-size", "64"])
    out = capsys.readouterr().out
    rows = [line.split("|")[1:-1] for line in out.splitlines() if line.startswith("| digits |")]
    assert [r[1].strip() for r in rows[:4]] == ["1", "2", "2", "1"]      # 1, N, N, 1
    accs = {r[4].strip() for r in rows[:4]}
    assert len(accs) == 1                  # the same accuracy with 1 and 2 workers
    ratio = rows[4]
    assert float(ratio[1]) > 0 and float(ratio[3]) == 0.0


def test_scalar_floor_bare_nodes_give_chainrules_gradients():
    """The floor's two bare nodes are real engines on the benchmark graph: the same output and
    leaf gradients as chainrule's, and the free-order node's tape is emptied by backward."""
    floor = _load("scalar_floor")
    scalar = _load("bench_scalar")
    seq = scalar.op_sequence(400, seed=5)
    grads = {}
    for V in (Value, floor.Bare, floor.Taped):
        out, n = scalar.build_graph(V, seq)
        assert n > 400
        out.backward()
        grads[V] = (out.data, floor.leaf_grads(out))
    assert floor.TAPE == []
    want_out, want = grads[Value]
    assert len(want) > 32 and any(g != 0.0 for g in want.values())   # leaves used by 400 ops
    for V in (floor.Bare, floor.Taped):
        got_out, got = grads[V]
        assert got_out == want_out
        assert got.keys() == want.keys()
        for x in want:
            assert got[x] == pytest.approx(want[x], rel=1e-12, abs=1e-12)
    assert floor.check(seq) == len(want)


def test_scalar_floor_prints_one_row_per_engine(capsys):
    floor = _load("scalar_floor")
    floor.main(["--ops", "300", "--repeat", "2"])
    rows = [line.split("|")[1].strip() for line in capsys.readouterr().out.splitlines()
            if line.startswith("| ") and "---" not in line and "engine" not in line]
    assert rows == ["chainrule Value", "bare node", "bare node, free order",
                    "microgpt-style Value"]


def test_scalar_floor_check_refuses_a_bare_node_with_a_wrong_derivative(monkeypatch):
    """The check before timing would stop a floor that is fast because it is wrong: relu'
    set to 1 below zero is named, with the leaf gradients that disagree."""
    floor = _load("scalar_floor")
    seq = _load("bench_scalar").op_sequence(400, seed=5)
    right = floor.Taped.relu

    def relu_slope_one(self):
        v = right(self)
        v._da = 1.0
        return v

    monkeypatch.setattr(floor.Taped, "relu", relu_slope_one)
    with pytest.raises(SystemExit, match=r"^Taped: leaf gradients differ from chainrule's"):
        floor.check(seq)


@pytest.mark.parametrize("args", [["--ops", "0"], ["--repeat", "-1"], ["--ops", "many"]])
def test_scalar_benchmarks_refuse_a_count_below_one(args, capsys):
    for name in ("scalar_floor", "bench_scalar"):
        with pytest.raises(SystemExit) as e:
            _load(name).main(args)
        assert e.value.code == 2
        assert f"expected a positive whole number, got {args[1]!r}" in capsys.readouterr().err
